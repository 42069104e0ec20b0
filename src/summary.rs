//! Statistics over frames: the per-track summaries written in records.

use serde::Serialize;

/// Running mean and population standard deviation (numpy's `std` default, `ddof=0`),
/// accumulated in f64 with Welford's update.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunningStats {
    n: u64,
    mean: f64,
    m2: f64,
}

impl RunningStats {
    /// Adds one value. Non-finite values are ignored (they never occur for finite input).
    pub fn push(&mut self, x: f32) {
        let x = x as f64;
        if !x.is_finite() {
            return;
        }
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Mean (0 when empty).
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// Population standard deviation (0 when empty).
    pub fn std(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            (self.m2 / self.n as f64).max(0.0).sqrt()
        }
    }

    /// The `{"mean", "std"}` summary.
    pub fn summary(&self) -> Stat {
        Stat {
            mean: self.mean(),
            std: self.std(),
        }
    }
}

/// Mean and population standard deviation of a scalar feature over frames.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stat {
    pub mean: f64,
    pub std: f64,
}

/// Mean and population standard deviation of a vector feature over frames.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VecStat {
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
}

impl VecStat {
    /// Summarises one running accumulator per dimension.
    pub fn from_stats(stats: &[RunningStats]) -> Self {
        VecStat {
            mean: stats.iter().map(|s| s.mean()).collect(),
            std: stats.iter().map(|s| s.std()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_numpy_population_std() {
        let mut s = RunningStats::default();
        for x in [1.0, 2.0, 3.0, 4.0] {
            s.push(x);
        }
        assert!((s.mean() - 2.5).abs() < 1e-12);
        assert!((s.std() - 1.118033988749895).abs() < 1e-12);
        assert_eq!(RunningStats::default().std(), 0.0);
    }
}
