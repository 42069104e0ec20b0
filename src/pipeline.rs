//! The whole analysis of one track: the front end (`Frontend`) (input → decode → resample → STFT)
//! feeding the feature stages (`FeatureExtractor`), joined into a [`TrackFeatures`] record, with panics
//! inside dependencies caught and turned into errors.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use crate::config::AnalysisConfig;
use crate::error::{Error, Result};
use crate::features::extractor::{FeatureExtractor, FeatureOptions, FrameMatrices};
use crate::frontend::Frontend;
use crate::input::Input;
use crate::record::TrackFeatures;

/// One track's analysis: the record and, when requested, the per-frame matrices.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackAnalysis {
    pub record: TrackFeatures,
    pub frames: Option<FrameMatrices>,
}

/// Reusable per-worker analysis state (plans, filterbanks, buffers). Create one per thread
/// and analyse any number of tracks with it; nothing is re-planned between tracks.
///
/// ```
/// use leitmotif::{AnalysisConfig, FeatureOptions, Input, Pipeline};
/// let mut pipeline = Pipeline::new(AnalysisConfig::default(), FeatureOptions::default())?;
/// let path = std::path::Path::new("audio-samples/song2_120bpm_c_major.flac");
/// let track = pipeline.analyze(path)?;
/// println!("{:.1} s, tempo {:?}", track.record.duration_s, track.record.features.tempo.bpm);
///
/// // The same audio from memory, labelled with a name (its extension is the format hint):
/// let bytes = std::fs::read(path).map_err(|e| leitmotif::Error::Io { path: path.into(), source: e })?;
/// let again = pipeline.analyze_input(Input::Bytes(&bytes), "upload.flac")?;
/// assert_eq!(again.record.features, track.record.features);
/// # Ok::<(), leitmotif::Error>(())
/// ```
#[derive(Debug)]
pub struct Pipeline {
    config: AnalysisConfig,
    options: FeatureOptions,
    frontend: Option<Frontend>,
    extractor: Option<FeatureExtractor>,
}

impl Pipeline {
    /// Plans the pipeline; fails with [`Error::Config`] on an invalid configuration.
    pub fn new(config: AnalysisConfig, options: FeatureOptions) -> Result<Self> {
        options
            .check()
            .map_err(|cause| crate::Error::Config { cause })?;
        let frontend = Frontend::new(config.clone())?;
        let extractor = Self::plan_extractor(&config, options);
        Ok(Pipeline {
            config,
            options,
            frontend: Some(frontend),
            extractor: Some(extractor),
        })
    }

    fn plan_extractor(c: &AnalysisConfig, options: FeatureOptions) -> FeatureExtractor {
        FeatureExtractor::new(c.sample_rate, c.n_fft, c.hop_length, options)
    }

    /// The configuration.
    pub fn config(&self) -> &AnalysisConfig {
        &self.config
    }

    /// Analyses the file at `path` ([`Input::Path`], labelled with the path).
    pub fn analyze(&mut self, path: &Path) -> Result<TrackAnalysis> {
        self.run(Input::Path(path), path)
    }

    /// Analyses `input`, labelled `name` in errors (and, by its extension, the format hint
    /// for encoded bytes). Never panics: a panic inside a dependency becomes an error and
    /// the pipeline re-plans its state for the next track.
    pub fn analyze_input(&mut self, input: Input<'_>, name: &str) -> Result<TrackAnalysis> {
        self.run(input, Path::new(name))
    }

    fn run(&mut self, input: Input<'_>, name: &Path) -> Result<TrackAnalysis> {
        if self.frontend.is_none() {
            self.frontend = Some(Frontend::new(self.config.clone())?);
        }
        if self.extractor.is_none() {
            self.extractor = Some(Self::plan_extractor(&self.config, self.options));
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            let (Some(front), Some(x)) = (self.frontend.as_mut(), self.extractor.as_mut()) else {
                return Err(Error::Internal {
                    path: name.to_path_buf(),
                    cause: "pipeline not planned".into(),
                });
            };
            let report = front.run(input, name, x)?;
            let (features, frames) = x.finish();
            let vector = crate::vector::vector(&features, report.duration_s);
            let record = TrackFeatures {
                duration_s: report.duration_s,
                analysed_s: report.analysed_s,
                source: report.source,
                analysis: report.analysis,
                warnings: report.warnings,
                features,
                vector,
            };
            Ok(TrackAnalysis { record, frames })
        }));
        match result {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(e)) => {
                // A failed track leaves partial per-track state behind: clear it (the
                // whole-track estimators do not run).
                if let Some(x) = self.extractor.as_mut() {
                    x.reset();
                }
                Err(e)
            }
            Err(panic) => {
                self.frontend = None;
                self.extractor = None;
                let cause = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".into());
                Err(Error::Internal {
                    path: name.to_path_buf(),
                    cause: format!("a dependency panicked: {cause}"),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_tempo_options_are_config_errors() {
        let bad = [
            (Some((200.0, 100.0)), None),
            (Some((0.0, 100.0)), None),
            (Some((40.0, f32::NAN)), None),
            (None, Some((0.0, 0.6))),
            (None, Some((120.0, 0.0))),
            (None, Some((120.0, 5.0))),
        ];
        for (tempo_range, tempo_prior) in bad {
            let options = FeatureOptions {
                tempo_range,
                tempo_prior,
                ..FeatureOptions::default()
            };
            let e = Pipeline::new(AnalysisConfig::default(), options).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Config, "{e}");
            assert!(e.to_string().contains("tempo"), "{e}");
        }
        let good = FeatureOptions {
            tempo_range: Some((60.0, 180.0)),
            tempo_prior: Some((100.0, 1.0)),
            ..FeatureOptions::default()
        };
        assert!(Pipeline::new(AnalysisConfig::default(), good).is_ok());
    }
}
