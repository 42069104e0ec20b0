//! Key estimation by template matching (placeholder method; replaced below after tuning).

/// Pitch-class names, C first, sharps.
pub const PITCH_CLASSES: [&str; 12] = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];

/// Krumhansl & Kessler (1982) probe-tone ratings, major, tonic first.
pub const KK_MAJOR: [f64; 12] = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];
/// Krumhansl & Kessler (1982) probe-tone ratings, minor, tonic first.
pub const KK_MINOR: [f64; 12] = [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];

/// Pearson correlation of `x` rotated so that `tonic` is first, with `profile`.
pub fn correlate(x: &[f64; 12], tonic: usize, profile: &[f64; 12]) -> f64 {
    let mx = x.iter().sum::<f64>() / 12.0;
    let mp = profile.iter().sum::<f64>() / 12.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for i in 0..12 {
        let a = x[(i + tonic) % 12] - mx;
        let b = profile[i] - mp;
        sxy += a * b;
        sxx += a * a;
        syy += b * b;
    }
    let d = (sxx * syy).sqrt();
    if d > 1e-12 { sxy / d } else { 0.0 }
}

/// Temporary: K–K on the HPCP.
pub fn estimate(pcp: &[f64; 12], _bass: &[f64; 12]) -> super::Key {
    let mut best = (f64::NEG_INFINITY, 0, 0);
    for t in 0..12 {
        for (m, p) in [KK_MAJOR, KK_MINOR].iter().enumerate() {
            let r = correlate(pcp, t, p);
            if r > best.0 {
                best = (r, t, m);
            }
        }
    }
    super::Key { tonic: PITCH_CLASSES[best.1], mode: if best.2 == 0 { "major" } else { "minor" }, confidence: best.0.clamp(0.0, 1.0) as f32 }
}
