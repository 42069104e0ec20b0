//! Signal processing building blocks: the STFT and its window.

pub mod fastmath;
pub mod filterbank;
pub mod framer;
pub mod kernels;
pub mod stft;

pub use stft::{Frame, Stft};
