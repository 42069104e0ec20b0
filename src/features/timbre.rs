//! Mel spectrogram and MFCC, as librosa 0.11 defines them.
//!
//! - **mel** (`librosa.feature.melspectrogram(S=|X|²)`): 128 Slaney-scale, area-normalised
//!   triangular filters from 0 Hz to `sr/2` applied to the power spectrum
//!   ([`crate::dsp::filterbank::MelFilterbank`]). Units: power.
//! - **MFCC** (`librosa.feature.mfcc`, 20 coefficients): orthonormal DCT-II of
//!   `power_to_db(mel)` = `10·log10(max(mel, 1e-10))`, floored at the **track's** maximum
//!   minus 80 dB (`top_db=80`), no liftering ([`crate::dsp::filterbank::Dct2`]).
//!
//! The 80 dB floor depends on the maximum over the whole track, so the dB rows are kept
//! until the end of the track (see [`crate::features::extractor`] for the bound on long
//! tracks).

/// Number of mel bands (librosa default).
pub const N_MELS: usize = 128;
/// Number of MFCCs (librosa default).
pub const N_MFCC: usize = 20;
/// The `top_db` floor of `power_to_db`.
pub const TOP_DB: f32 = 80.0;
