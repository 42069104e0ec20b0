//! The signal front end of the pipeline: input → decode → downmix → resample → STFT.
//!
//! One [`Frontend`] per worker holds the FFT plan, window, resamplers and scratch buffers and
//! reuses them for every track. Audio flows through in packet-sized chunks, so memory does
//! not grow with the length of the input. What the front end produces goes to a
//! [`FrameSink`] (the feature stages, or `()` to measure the front end alone); what it
//! learns about the track comes back as a [`FrontendReport`]. It knows nothing of features:
//! [`crate::Pipeline`] joins the two into a record.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::audio::downmix::downmix_into;
use crate::audio::{Decoder, Resampler, SourceInfo};
use crate::config::AnalysisConfig;
use crate::dsp::{Frame, Stft};
use crate::error::{Error, Result};
use crate::input::Input;
use crate::record::{AnalysisInfo, SourceRecord};

/// Resampler plans kept per worker (most recently used first). Real collections use two or
/// three source rates; a stream of odd rates cannot grow the cache beyond this.
pub const RESAMPLER_CACHE: usize = 4;

/// Frames per chunk when the input is a slice of decoded samples.
const SAMPLE_CHUNK: usize = 8192;

/// Something that consumes the signal as the front end runs.
pub trait FrameSink {
    /// Called once per track before any audio, with the analysis grid.
    fn begin(&mut self, _sr: u32, _n_fft: usize, _hop: usize) {}
    /// Called for every chunk of the source-rate interleaved audio.
    fn source_audio(&mut self, _samples: &[f32], _channels: usize, _sr: u32) {}
    /// Called for every chunk of the mono analysis-rate signal, in order.
    fn analysis_audio(&mut self, _samples: &[f32]) {}
    /// Called for every STFT frame, in order.
    fn frame(&mut self, _frame: &Frame<'_>) {}
}

impl FrameSink for () {}

/// What the front end learnt about one track.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontendReport {
    /// Length of the whole input in seconds at the source rate (after gapless trimming).
    pub duration_s: f64,
    /// Seconds of it that were analysed (less than `duration_s` when truncated).
    pub analysed_s: f64,
    pub source: SourceRecord,
    pub analysis: AnalysisInfo,
    pub warnings: Vec<String>,
}

/// Where the audio of a track comes from, once opened.
enum Stream<'a> {
    Decoded(Box<Decoder>),
    Samples {
        samples: &'a [f32],
        channels: usize,
        rate: u32,
        pos: usize,
    },
}

impl Stream<'_> {
    /// The next interleaved chunk with its channel count and rate, `None` at the end.
    fn next(&mut self) -> Result<Option<(&[f32], usize, u32)>> {
        match self {
            Stream::Decoded(d) => Ok(d
                .next_chunk()?
                .map(|c| (c.samples, c.channels, c.sample_rate))),
            Stream::Samples {
                samples,
                channels,
                rate,
                pos,
            } => {
                let end = (*pos + SAMPLE_CHUNK * *channels).min(samples.len());
                if *pos >= end {
                    return Ok(None);
                }
                let chunk = &samples[*pos..end];
                *pos = end;
                Ok(Some((chunk, *channels, *rate)))
            }
        }
    }

    /// Length of the whole input in frames (only asked when truncated: it may consume the
    /// rest of the stream).
    fn total_frames(&mut self) -> u64 {
        match self {
            Stream::Decoded(d) => d.total_frames(),
            Stream::Samples {
                samples, channels, ..
            } => (samples.len() / *channels) as u64,
        }
    }
}

/// Reusable per-worker signal front end.
pub struct Frontend {
    config: AnalysisConfig,
    stft: Stft,
    /// Most recently used first; at most [`RESAMPLER_CACHE`] plans.
    resamplers: Vec<Resampler>,
    mono: Vec<f32>,
    resampled: Vec<f32>,
}

impl std::fmt::Debug for Frontend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frontend")
            .field("config", &self.config)
            .finish()
    }
}

impl Frontend {
    /// Plans the front end for `config` (validated by [`AnalysisConfig::validate`]).
    pub fn new(config: AnalysisConfig) -> Result<Self> {
        config.validate()?;
        let stft = Stft::new(config.n_fft, config.hop_length)?;
        Ok(Frontend {
            config,
            stft,
            resamplers: Vec::new(),
            mono: Vec::new(),
            resampled: Vec::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &AnalysisConfig {
        &self.config
    }

    /// Moves the resampler for `rate` to the front of the cache, reset for a new stream
    /// (planned when missing; the least recently used plan is dropped beyond
    /// [`RESAMPLER_CACHE`]).
    fn select_resampler(&mut self, rate: u32) -> Result<()> {
        match self.resamplers.iter().position(|r| r.sr_in() == rate) {
            Some(i) => self.resamplers[..=i].rotate_right(1),
            None => {
                let r = Resampler::new(rate, self.config.sample_rate)?;
                self.resamplers.truncate(RESAMPLER_CACHE - 1);
                self.resamplers.insert(0, r);
            }
        }
        self.resamplers[0].reset();
        Ok(())
    }

    /// Opens `input`; `name` labels errors and is the format hint.
    fn open<'a>(input: Input<'a>, name: &Path) -> Result<(Stream<'a>, SourceInfo)> {
        match input {
            Input::Path(p) => {
                let d = Decoder::open(p)?;
                let info = d.info().clone();
                Ok((Stream::Decoded(Box::new(d)), info))
            }
            Input::Bytes(b) => {
                let d = Decoder::open_reader(name, Box::new(std::io::Cursor::new(b.to_vec())))?;
                let info = d.info().clone();
                Ok((Stream::Decoded(Box::new(d)), info))
            }
            Input::Reader(r) => {
                let d = Decoder::open_reader(name, r)?;
                let info = d.info().clone();
                Ok((Stream::Decoded(Box::new(d)), info))
            }
            Input::Samples {
                samples,
                channels,
                sample_rate,
            } => {
                crate::audio::decode::check_params(name, sample_rate, channels)?;
                let info = SourceInfo {
                    container: "samples".into(),
                    codec: "pcm_f32".into(),
                    sample_rate,
                    channels,
                };
                let n = samples.len() / channels * channels;
                let stream = Stream::Samples {
                    samples: &samples[..n],
                    channels,
                    rate: sample_rate,
                    pos: 0,
                };
                Ok((stream, info))
            }
        }
    }

    /// Runs input → resample → STFT over one track, feeding `sink`. `name` is the track's
    /// label in errors (a path, or whatever the caller names an in-memory input).
    pub fn run(
        &mut self,
        input: Input<'_>,
        name: &Path,
        sink: &mut dyn FrameSink,
    ) -> Result<FrontendReport> {
        let started = Instant::now();
        let (mut stream, mut info) = Self::open(input, name)?;
        let deadline = self
            .config
            .timeout_s
            .map(|t| (started + Duration::from_secs_f64(t.clamp(0.0, 1e9)), t));
        if let (Stream::Decoded(d), Some((at, t))) = (&mut stream, deadline) {
            d.set_deadline(at, t);
        }
        let sr_out = self.config.sample_rate;
        let max_s = self.config.effective_max_duration();
        self.stft.reset();
        sink.begin(sr_out, self.config.n_fft, self.config.hop_length);
        let mut rate: Option<u32> = None;
        let mut frames_used: u64 = 0;
        let mut truncated = false;
        while let Some((chunk, channels, sr_in)) = stream.next()? {
            let mut samples = chunk;
            let max_frames = (max_s * sr_in as f64).round() as u64;
            let left = max_frames.saturating_sub(frames_used) as usize;
            if samples.len() / channels > left {
                samples = &samples[..left * channels];
                truncated = true;
            }
            frames_used += (samples.len() / channels) as u64;
            // The stream's rate is fixed by its first chunk; plans are cached per rate.
            if rate.is_none() {
                self.select_resampler(sr_in)?;
                rate = Some(sr_in);
            }
            let resampler = &mut self.resamplers[0];
            sink.source_audio(samples, channels, sr_in);
            self.mono.clear();
            downmix_into(samples, channels, &mut self.mono);
            self.resampled.clear();
            resampler.process(&self.mono, &mut self.resampled);
            sink.analysis_audio(&self.resampled);
            self.stft.push(&self.resampled, &mut |f| sink.frame(f));
            if truncated {
                break;
            }
        }
        if let Stream::Decoded(d) = &stream {
            info = d.info().clone();
        }
        if frames_used == 0 {
            return Err(Error::Empty {
                path: name.to_path_buf(),
            });
        }
        if rate.is_some() {
            let r = &mut self.resamplers[0];
            self.resampled.clear();
            r.finish(&mut self.resampled);
            sink.analysis_audio(&self.resampled);
            self.stft.push(&self.resampled, &mut |f| sink.frame(f));
        }
        self.stft.finish(&mut |f| sink.frame(f));
        let total_frames = if truncated {
            stream.total_frames()
        } else {
            frames_used
        };
        let mut warnings = match &mut stream {
            Stream::Decoded(d) => {
                d.finish_warnings();
                d.warnings().to_vec()
            }
            Stream::Samples { .. } => Vec::new(),
        };
        if let Some(r) = self.resamplers.first()
            && r.planned_in() != r.sr_in()
        {
            warnings.push(format!(
                "source rate {} Hz resampled as {} Hz (its exact resampling plan is too large)",
                r.sr_in(),
                r.planned_in()
            ));
        }
        if truncated {
            warnings.push(format!(
                "analysis truncated to the first {max_s} s of {:.1} s ({})",
                total_frames as f64 / info.sample_rate as f64,
                if self.config.max_duration_s.is_some() {
                    "max_duration_s"
                } else {
                    "the default cap, DEFAULT_MAX_DURATION_S"
                }
            ));
        }
        Ok(FrontendReport {
            duration_s: total_frames as f64 / info.sample_rate as f64,
            analysed_s: frames_used as f64 / info.sample_rate as f64,
            source: SourceRecord::from(&info),
            analysis: AnalysisInfo {
                sample_rate: sr_out,
                n_fft: self.config.n_fft,
                hop_length: self.config.hop_length,
                frames: self.stft.frames(),
            },
            warnings,
        })
    }
}
