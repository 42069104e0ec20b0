//! The one error type of leitmotif.
//!
//! Every variant names the file it concerns and the cause, so a message printed on its own
//! (`path: cause`) tells the user what went wrong. The [`ErrorKind`] of a variant is what a
//! batch writes into the `error.kind` field of a failed track's record.

use std::fmt;
use std::path::{Path, PathBuf};

/// What went wrong while analysing one track, with the file it concerns.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened or read (missing, permission denied, I/O failure).
    /// The caller should check the path; retrying rarely helps.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// No container format recognised the bytes (empty file, random bytes, an image…).
    UnsupportedFormat { path: PathBuf, cause: String },
    /// The container was recognised but its audio codec cannot be decoded.
    UnsupportedCodec { path: PathBuf, cause: String },
    /// The container holds no audio track.
    NoAudioTrack { path: PathBuf },
    /// The stream declares parameters leitmotif will not process (e.g. 0 channels, a 1 Hz
    /// or 2 GHz sample rate). The file is hostile or broken.
    InvalidStream { path: PathBuf, cause: String },
    /// Decoding failed and nothing more could be decoded.
    Decode { path: PathBuf, cause: String },
    /// The stream decoded but contains no audio samples.
    Empty { path: PathBuf },
    /// The per-track time limit was exceeded.
    Timeout { path: PathBuf, seconds: f64 },
    /// An analysis parameter is invalid (e.g. an analysis sample rate of 0).
    Config { cause: String },
    /// A bug or an unexpected failure inside a dependency, caught so the run can go on.
    Internal { path: PathBuf, cause: String },
}

/// The machine-readable kind of an [`Error`], written as `error.kind` in output records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Io,
    UnsupportedFormat,
    UnsupportedCodec,
    NoAudioTrack,
    InvalidStream,
    Decode,
    Empty,
    Timeout,
    Config,
    Internal,
}

impl ErrorKind {
    /// The snake_case name used in output records.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Io => "io",
            ErrorKind::UnsupportedFormat => "unsupported_format",
            ErrorKind::UnsupportedCodec => "unsupported_codec",
            ErrorKind::NoAudioTrack => "no_audio_track",
            ErrorKind::InvalidStream => "invalid_stream",
            ErrorKind::Decode => "decode",
            ErrorKind::Empty => "empty",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Config => "config",
            ErrorKind::Internal => "internal",
        }
    }
}

impl Error {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Io { .. } => ErrorKind::Io,
            Error::UnsupportedFormat { .. } => ErrorKind::UnsupportedFormat,
            Error::UnsupportedCodec { .. } => ErrorKind::UnsupportedCodec,
            Error::NoAudioTrack { .. } => ErrorKind::NoAudioTrack,
            Error::InvalidStream { .. } => ErrorKind::InvalidStream,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::Empty { .. } => ErrorKind::Empty,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Config { .. } => ErrorKind::Config,
            Error::Internal { .. } => ErrorKind::Internal,
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => {
                write!(f, "{}: cannot read file: {source}", path.display())
            }
            Error::UnsupportedFormat { path, cause } => {
                write!(
                    f,
                    "{}: not a recognised audio format ({cause})",
                    path.display()
                )
            }
            Error::UnsupportedCodec { path, cause } => {
                write!(f, "{}: unsupported audio codec ({cause})", path.display())
            }
            Error::NoAudioTrack { path } => {
                write!(f, "{}: the file has no audio track", path.display())
            }
            Error::InvalidStream { path, cause } => {
                write!(f, "{}: invalid audio stream: {cause}", path.display())
            }
            Error::Decode { path, cause } => {
                write!(f, "{}: decoding failed: {cause}", path.display())
            }
            Error::Empty { path } => write!(
                f,
                "{}: the audio stream contains no samples",
                path.display()
            ),
            Error::Timeout { path, seconds } => {
                write!(
                    f,
                    "{}: analysis exceeded the time limit of {seconds} s",
                    path.display()
                )
            }
            Error::Config { cause } => write!(f, "invalid configuration: {cause}"),
            Error::Internal { path, cause } => {
                write!(f, "{}: internal error: {cause}", path.display())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Result alias used throughout leitmotif.
pub type Result<T> = std::result::Result<T, Error>;
