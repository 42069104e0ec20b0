//! Criterion benchmarks of each pipeline stage, on a three-minute signal.
//!
//! `cargo bench --bench pipeline`. Throughput is reported in samples of audio per second;
//! divide by the sample rate to get "seconds of audio per second" (× real time).
//! - `decode/<format>`: symphonia (or Opus) decode of the bundled samples, no resampling.
//! - `decode_resample/<format>`: decode + downmix + resample to 22050 Hz.
//! - `resample/44100_to_22050`: the resampler alone on three minutes of mono audio.
//! - `stft/2048_512`: the STFT alone on three minutes at 22050 Hz.
//! - `features/stft+features`: STFT plus the whole feature stage (spectral, mel, MFCC,
//!   contrast, onset, ZCR, tonal, rhythm); compare with `stft/2048_512` for the feature cost.
//! - `features/loudness_44k_stereo`: the EBU R128 meter on three minutes of 44.1 kHz stereo.
//! - `whole_track/rhythm`, `whole_track/tonal`: the tempo/beat and tonal stages alone;
//!   `whole_track/contrast`: spectral contrast alone on the same frames.
//! - `extract/<format>`: the full per-track pipeline (`Pipeline::analyze`).

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leitmotif::audio::downmix::downmix_into;
use leitmotif::audio::{Decoder, Resampler};
use leitmotif::dsp::Stft;
use leitmotif::features::extractor::FeatureExtractor;
use leitmotif::features::loudness::LoudnessMeter;
use leitmotif::features::rhythm;
use leitmotif::features::spectral::Contrast;
use leitmotif::features::tonal::TonalAnalyzer;
use leitmotif::frontend::FrameSink;
use leitmotif::{AnalysisConfig, FeatureOptions, Pipeline};

const SAMPLES: [&str; 5] = [
    "song1_92bpm_a_minor.mp3",
    "song2_120bpm_c_major.flac",
    "song3_128bpm_fsharp_minor.ogg",
    "song4_140bpm_eb_major.m4a",
    "song5_75bpm_g_major_nodrums.wav",
];

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("audio-samples")
        .join(name)
}

/// Decodes a file to mono at its own rate.
fn decode_mono(path: &Path) -> (Vec<f32>, u32) {
    let mut d = Decoder::open(path).unwrap();
    let mut mono = Vec::new();
    let mut sr = 0;
    while let Some(c) = d.next_chunk().unwrap() {
        sr = c.sample_rate;
        downmix_into(c.samples, c.channels, &mut mono);
    }
    (mono, sr)
}

/// Three minutes of music at `sr` (the bundled song looped, resampled when needed).
fn three_minutes(sr: u32) -> Vec<f32> {
    let (mono, src_sr) = decode_mono(&sample("song2_120bpm_c_major.flac"));
    let mut r = Resampler::new(src_sr, sr).unwrap();
    let mut out = Vec::new();
    r.process(&mono, &mut out);
    r.finish(&mut out);
    out.iter()
        .copied()
        .cycle()
        .take(sr as usize * 180)
        .collect()
}

fn bench_decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    g.sample_size(10);
    for name in SAMPLES {
        let path = sample(name);
        let (mono, _) = decode_mono(&path);
        g.throughput(Throughput::Elements(mono.len() as u64));
        g.bench_function(name, |b| b.iter(|| black_box(decode_mono(&path).0.len())));
    }
    g.finish();
    let mut g = c.benchmark_group("decode_resample");
    g.sample_size(10);
    for name in SAMPLES {
        let path = sample(name);
        let (mono, _) = decode_mono(&path);
        g.throughput(Throughput::Elements(mono.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut d = Decoder::open(&path).unwrap();
                let mut r: Option<Resampler> = None;
                let (mut m, mut out) = (Vec::new(), Vec::new());
                while let Some(c) = d.next_chunk().unwrap() {
                    let r = r.get_or_insert_with(|| Resampler::new(c.sample_rate, 22050).unwrap());
                    m.clear();
                    downmix_into(c.samples, c.channels, &mut m);
                    r.process(&m, &mut out);
                    out.clear();
                }
                black_box(out.len())
            })
        });
    }
    g.finish();
}

fn bench_resample(c: &mut Criterion) {
    let x = three_minutes(44100);
    let mut g = c.benchmark_group("resample");
    g.sample_size(10);
    g.throughput(Throughput::Elements(x.len() as u64));
    let mut r = Resampler::new(44100, 22050).unwrap();
    let mut out = Vec::with_capacity(x.len() / 2 + 4096);
    g.bench_function("44100_to_22050", |b| {
        b.iter(|| {
            r.reset();
            out.clear();
            for chunk in x.chunks(4096) {
                r.process(chunk, &mut out);
            }
            r.finish(&mut out);
            black_box(out.len())
        })
    });
    g.finish();
}

fn bench_stft_features(c: &mut Criterion) {
    let x = three_minutes(22050);
    let mut g = c.benchmark_group("stft");
    g.sample_size(10);
    g.throughput(Throughput::Elements(x.len() as u64));
    let mut stft = Stft::new(2048, 512).unwrap();
    g.bench_function("2048_512", |b| {
        b.iter(|| {
            stft.reset();
            let mut acc = 0f32;
            stft.push(&x, &mut |f| acc += f.magnitude[10]);
            stft.finish(&mut |f| acc += f.magnitude[10]);
            black_box(acc)
        })
    });
    g.finish();
    let mut g = c.benchmark_group("features");
    g.sample_size(10);
    g.throughput(Throughput::Elements(x.len() as u64));
    let mut fx = FeatureExtractor::new(22050, 2048, 512, FeatureOptions::default());
    g.bench_function("stft+features", |b| {
        b.iter(|| {
            stft.reset();
            fx.begin(22050, 2048, 512);
            fx.analysis_audio(&x);
            stft.push(&x, &mut |f| fx.frame(f));
            stft.finish(&mut |f| fx.frame(f));
            black_box(fx.finish().0.mfcc.mean[0])
        })
    });
    // EBU R128 loudness runs at the source rate on every channel: 3 minutes of 44.1 kHz stereo.
    let x44 = three_minutes(44100);
    let stereo: Vec<f32> = x44.iter().flat_map(|&v| [v, 0.8 * v]).collect();
    let mut meter = LoudnessMeter::default();
    g.bench_function("loudness_44k_stereo", |b| {
        b.iter(|| {
            // in decoder-packet-sized chunks, as the pipeline feeds it
            for chunk in stereo.chunks(2 * 4096) {
                meter.add(chunk, 2, 44100);
            }
            black_box(meter.finish().integrated_lufs)
        })
    });
    g.finish();
}

/// The whole-track stages alone, on three minutes of music: rhythm (from the onset
/// envelope) and tonal (tuning, chroma_stft, HPCP, key, from the power frames and audio).
/// Compare with `features/stft+features` and `extract/*` for their share.
fn bench_rhythm_tonal(c: &mut Criterion) {
    let x = three_minutes(22050);
    let mut p = FeatureExtractor::new(
        22050,
        2048,
        512,
        FeatureOptions {
            keep_frames: true,
            ..Default::default()
        },
    );
    let mut stft = Stft::new(2048, 512).unwrap();
    let mut power: Vec<Vec<f32>> = Vec::new();
    p.begin(22050, 2048, 512);
    p.analysis_audio(&x);
    stft.push(&x, &mut |f| {
        power.push(f.magnitude.iter().map(|m| m * m).collect());
        p.frame(f)
    });
    stft.finish(&mut |f| {
        power.push(f.magnitude.iter().map(|m| m * m).collect());
        p.frame(f)
    });
    let env = p.finish().1.unwrap().onset_strength;
    let mut g = c.benchmark_group("whole_track");
    g.sample_size(10);
    g.throughput(Throughput::Elements(x.len() as u64));
    g.bench_function("rhythm", |b| {
        b.iter(|| black_box(rhythm::analyze(&env, 22050, 512).bpm))
    });
    // spectral contrast alone (7 bands' peaks and valleys), as many frames as 3 minutes have;
    // 64 distinct magnitude frames cycled, so that they stay in cache as in the pipeline
    let magnitude: Vec<Vec<f32>> = power
        .iter()
        .skip(power.len() / 2)
        .take(64)
        .map(|p| p.iter().map(|v| v.sqrt()).collect())
        .collect();
    let mut contrast = Contrast::new(22050, 2048, 200.0, 6, 0.02);
    g.bench_function("contrast", |b| {
        let (mut peak, mut valley) = ([0f32; 7], [0f32; 7]);
        b.iter(|| {
            let mut acc = 0f32;
            for s in magnitude.iter().cycle().take(power.len()) {
                contrast.peaks_valleys(s, &mut peak, &mut valley);
                acc += peak[6] - valley[6];
            }
            black_box(acc)
        })
    });
    let mut tonal = TonalAnalyzer::new(22050, 2048, 512);
    g.bench_function("tonal", |b| {
        b.iter(|| {
            tonal.reset();
            tonal.audio(&x);
            for frame in &power {
                tonal.frame(frame);
            }
            black_box(tonal.finish().key.confidence)
        })
    });
    g.finish();
}

fn bench_extract(c: &mut Criterion) {
    let mut g = c.benchmark_group("extract");
    g.sample_size(10);
    let mut p = Pipeline::new(AnalysisConfig::default(), FeatureOptions::default()).unwrap();
    for name in SAMPLES {
        let path = sample(name);
        let (mono, _) = decode_mono(&path);
        g.throughput(Throughput::Elements(mono.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| black_box(p.analyze(&path).unwrap().record.analysis.frames))
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    bench_decode,
    bench_resample,
    bench_stft_features,
    bench_rhythm_tonal,
    bench_extract
);
criterion_main!(benches);
