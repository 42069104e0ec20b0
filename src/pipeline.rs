//! The whole analysis of one track: [`Analyzer`] (decode → STFT) feeding a
//! [`FeatureExtractor`], with panics inside dependencies caught and turned into errors.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use crate::analyzer::{AnalysisConfig, Analyzer, TrackFeatures};
use crate::error::{Error, Result};
use crate::features::extractor::{FeatureExtractor, FeatureOptions, FrameMatrices};

/// One track's analysis: the record and, when requested, the per-frame matrices.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackAnalysis {
    pub record: TrackFeatures,
    pub frames: Option<FrameMatrices>,
}

/// Reusable per-thread analysis state (plans, filterbanks, buffers).
#[derive(Debug)]
pub struct Pipeline {
    config: AnalysisConfig,
    options: FeatureOptions,
    analyzer: Option<Analyzer>,
    extractor: Option<FeatureExtractor>,
}

impl Pipeline {
    /// Plans the pipeline; fails on an invalid configuration.
    pub fn new(config: AnalysisConfig, options: FeatureOptions) -> Result<Self> {
        let analyzer = Analyzer::new(config.clone())?;
        let extractor =
            FeatureExtractor::new(config.sample_rate, config.n_fft, config.hop_length, options);
        Ok(Pipeline {
            config,
            options,
            analyzer: Some(analyzer),
            extractor: Some(extractor),
        })
    }

    /// Analyses `path`. Never panics: a panic inside a decoder becomes [`Error::Internal`]
    /// and the pipeline re-plans its state for the next track.
    pub fn analyze(&mut self, path: &Path) -> Result<TrackAnalysis> {
        if self.analyzer.is_none() {
            self.analyzer = Some(Analyzer::new(self.config.clone())?);
        }
        if self.extractor.is_none() {
            let c = &self.config;
            self.extractor = Some(FeatureExtractor::new(
                c.sample_rate,
                c.n_fft,
                c.hop_length,
                self.options,
            ));
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            match (self.analyzer.as_mut(), self.extractor.as_mut()) {
                (Some(a), Some(x)) => {
                    let mut record = a.run(path, x)?;
                    let (features, frames) = x.finish();
                    record.vector = Some(crate::vector::vector(&features, record.duration_s));
                    record.features = Some(features);
                    Ok(TrackAnalysis { record, frames })
                }
                _ => Err(Error::Internal {
                    path: path.to_path_buf(),
                    cause: "pipeline not planned".into(),
                }),
            }
        }));
        match result {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => {
                // A failed track may leave partial per-track state behind: start clean.
                if let Some(x) = self.extractor.as_mut() {
                    let _ = x.finish();
                }
                Err(e)
            }
            Err(panic) => {
                self.analyzer = None;
                self.extractor = None;
                let cause = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".into());
                Err(Error::Internal {
                    path: path.to_path_buf(),
                    cause: format!("a decoder panicked: {cause}"),
                })
            }
        }
    }
}
