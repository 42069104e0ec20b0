//! Atomic file writes: a reader sees the old file or the complete new one, never a half.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// True when `path` exists and is not a regular file (a device such as `/dev/null` or
/// `/dev/stdout`, a FIFO, a socket): such outputs are written in place, not renamed over,
/// and not synced (`fsync` on them fails or means nothing).
pub fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Syncs the directory holding `path`, so that a rename or a new file in it survives a
/// power loss. Filesystems that cannot sync a directory (`EINVAL`) are let be.
pub fn sync_parent(path: &Path) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match File::open(dir).and_then(|d| d.sync_all()) {
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok(()),
        other => other,
    }
}

/// Writes `path` atomically: `write` fills a temporary file in the same directory, which is
/// synced and renamed over `path`, and the directory is synced after the rename. A special
/// file (see [`is_special`]) is written directly instead, without syncing.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    if is_special(path) {
        let mut f = OpenOptions::new().write(true).open(path)?;
        return write(&mut f);
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        write(&mut f)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        sync_parent(path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_files_are_written_in_place() {
        assert!(is_special(Path::new("/dev/null")));
        write_atomically(Path::new("/dev/null"), |f| io::Write::write_all(f, b"x")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        assert!(!is_special(&p));
        write_atomically(&p, |f| io::Write::write_all(f, b"abc")).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"abc");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
