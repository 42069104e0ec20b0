//! Similarity benchmarks on random vectors of the real dimension (`leitmotif::vector::DIM`):
//! exact query (flat scan), approximate query (IVF, default nprobe) and index build.
//!
//! `LEITMOTIF_BENCH_N` sets the library size (default 1 000 000). Vectors are drawn from a
//! low-rank Gaussian model (16 latent factors + isotropic noise, the effective rank of
//! real feature vectors; `LEITMOTIF_BENCH_IID=1` draws i.i.d. Gaussian vectors instead, the
//! worst case for any approximate index). Recall@10 of the approximate search against the
//! exact one is printed before the timings.
//!
//! ```text
//! cargo bench --bench similarity
//! ```

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use leitmotif::similarity::{Index, Metric, SearchMode, ivf};
use leitmotif::vector::DIM;

/// Deterministic random numbers: the index's own SplitMix64, plus a normal deviate.
struct Rng(ivf::SplitMix);
impl Rng {
    fn uniform(&mut self) -> f32 {
        ((self.0.next_u64() >> 40) as f32 + 0.5) / (1u64 << 24) as f32
    }
    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f32 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
    }
}

/// `n` random vectors (see the module doc).
pub fn random_vectors(n: usize, seed: u64, iid: bool) -> Vec<f32> {
    let mut rng = Rng(ivf::SplitMix(seed));
    if iid {
        return (0..n * DIM).map(|_| rng.normal()).collect();
    }
    const RANK: usize = 16;
    let mut basis = Rng(ivf::SplitMix(7));
    let a: Vec<f32> = (0..DIM * RANK).map(|_| basis.normal()).collect();
    let mut out = Vec::with_capacity(n * DIM);
    let mut z = [0.0f32; RANK];
    for _ in 0..n {
        z.iter_mut().for_each(|x| *x = rng.normal());
        for d in 0..DIM {
            let row = &a[d * RANK..(d + 1) * RANK];
            let s: f32 = row.iter().zip(&z).map(|(a, z)| a * z).sum();
            out.push(s + 0.5 * rng.normal());
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let n: usize = std::env::var("LEITMOTIF_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let iid = std::env::var("LEITMOTIF_BENCH_IID").is_ok_and(|v| v == "1");
    let raw = random_vectors(n, 1, iid);
    let paths: Vec<String> = (0..n).map(|i| format!("track{i}")).collect();
    let t = Instant::now();
    let index = Index::from_raw(paths.clone(), raw.clone());
    eprintln!(
        "build of {n} vectors: {:.2} s ({} cells)",
        t.elapsed().as_secs_f64(),
        index.nlist()
    );
    let w = Metric::default().dim_weights();
    let queries_raw = random_vectors(200, 99, iid);
    let queries: Vec<Vec<f32>> = queries_raw
        .chunks_exact(DIM)
        .map(|q| {
            let mut z = vec![0.0; DIM];
            index.stats().apply(q, &mut z);
            z
        })
        .collect();
    let nprobe = ivf::default_nprobe(index.nlist());
    let exact: Vec<_> = queries
        .iter()
        .map(|q| index.search(q, 10, &w, SearchMode::Exact, None))
        .collect();
    for probe in [nprobe / 2, nprobe, 2 * nprobe, 4 * nprobe] {
        let t = Instant::now();
        let mut hits = 0usize;
        for (q, e) in queries.iter().zip(&exact) {
            let approx = index.search(q, 10, &w, SearchMode::Approx { nprobe: probe }, None);
            hits += approx
                .iter()
                .filter(|a| e.iter().any(|x| x.id == a.id))
                .count();
        }
        eprintln!(
            "recall@10 (nprobe {probe}/{}): {:.4}, {:.3} ms/query",
            index.nlist(),
            hits as f64 / (10 * queries.len()) as f64,
            t.elapsed().as_secs_f64() * 1e3 / queries.len() as f64
        );
    }

    let mut g = c.benchmark_group("similarity");
    g.sample_size(10);
    let mut i = 0;
    g.bench_function(format!("exact_query_{n}"), |b| {
        b.iter(|| {
            i = (i + 1) % queries.len();
            black_box(index.search(&queries[i], 10, &w, SearchMode::Exact, None))
        })
    });
    g.bench_function(format!("approx_query_{n}"), |b| {
        b.iter(|| {
            i = (i + 1) % queries.len();
            black_box(index.search(&queries[i], 10, &w, SearchMode::Approx { nprobe }, None))
        })
    });
    g.bench_function(format!("build_{n}"), |b| {
        b.iter_batched(
            || (paths.clone(), raw.clone()),
            |(p, r)| black_box(Index::from_raw(p, r)),
            criterion::BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
