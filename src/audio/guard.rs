//! Panics of third-party decoders, caught and reported as the track's error.
//!
//! symphonia's demuxers and decoders and the translated-C libopus parse hostile bytes; a panic
//! in them (an assertion on a malformed header, an arithmetic overflow) is caught where it
//! happens and becomes an [`crate::Error`] that names the file and quotes the panic. Rust's
//! default panic hook would still print the panic to stderr, with a path into the cargo
//! registry, which reads like a crash of the whole program. `catch_third_party` marks the
//! thread while such a call runs, so that a program's panic hook can leave those panics
//! unprinted ([`in_third_party_call`], [`quiet_caught_decoder_panics`]); the `leitmotif` binary
//! and the Python module install such a hook. The library itself never changes the process's
//! panic hook.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

thread_local! {
    /// Depth of [`catch_third_party`] calls on this thread.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Runs third-party decoding code `f`, catching a panic (`Err` with its payload).
pub(crate) fn catch_third_party<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    DEPTH.with(|d| d.set(d.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    result
}

/// Whether this thread is inside third-party decoding code whose panic leitmotif catches and
/// reports as the track's error. Meant for a panic hook: called from the hook of a panic in
/// such code, it returns `true`.
pub fn in_third_party_call() -> bool {
    DEPTH.with(|d| d.get() > 0)
}

/// Installs a process panic hook that leaves unprinted the panics of third-party decoders,
/// which leitmotif catches and reports as the track's error (with the panic's message), and
/// passes every other panic to the hook installed before. Meant for programs built on the
/// library (the `leitmotif` binary, the Python module call it once at start); the library
/// itself never calls it. Calling it again installs nothing more.
pub fn quiet_caught_decoder_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !in_third_party_call() {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_the_thread_only_inside_the_call() {
        assert!(!in_third_party_call());
        let inside = catch_third_party(in_third_party_call).unwrap();
        assert!(inside);
        assert!(!in_third_party_call());
        let caught = catch_third_party(|| -> u32 {
            assert!(in_third_party_call());
            panic!("hostile bytes")
        });
        assert!(caught.is_err());
        assert!(!in_third_party_call(), "the mark is cleared after a panic");
    }
}
