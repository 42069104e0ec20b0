//! What a track's audio can come from.

use std::path::Path;

pub use crate::audio::decode::ReadSeek;

/// The audio of one track, as handed to [`crate::Pipeline::analyze_input`].
///
/// All four kinds go through the same resampling, STFT and feature stages, so the same audio
/// gives the same record whichever way it arrives (`tests/inputs.rs`).
pub enum Input<'a> {
    /// An encoded file on disk, in any supported format.
    Path(&'a Path),
    /// An encoded file held in memory (an upload body). The bytes are copied once; to avoid
    /// the copy, wrap an owned buffer in a `std::io::Cursor` and pass it as [`Input::Reader`].
    Bytes(&'a [u8]),
    /// An encoded file read with seeking: a `File`, a `Cursor` over owned bytes, a spooled
    /// upload. MP4 with its index at the end needs the seeking.
    Reader(Box<dyn ReadSeek>),
    /// Decoded samples, interleaved (`samples[frame * channels + channel]`), at `sample_rate`
    /// Hz. A trailing partial frame is ignored.
    Samples {
        samples: &'a [f32],
        channels: usize,
        sample_rate: u32,
    },
}

impl std::fmt::Debug for Input<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::Path(p) => f.debug_tuple("Path").field(p).finish(),
            Input::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Input::Reader(_) => f.write_str("Reader"),
            Input::Samples {
                samples,
                channels,
                sample_rate,
            } => write!(
                f,
                "Samples({} × {channels} ch at {sample_rate} Hz)",
                samples.len() / (*channels).max(1)
            ),
        }
    }
}
