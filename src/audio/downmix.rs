//! Downmix to mono: the mean of the channels, as `librosa.to_mono` defines it.

/// Appends the mono downmix of `interleaved` (with `channels` channels) to `out`:
/// `out[t] = (1/C) Σ_c x[t·C + c]`. A trailing partial frame is ignored.
pub fn downmix_into(interleaved: &[f32], channels: usize, out: &mut Vec<f32>) {
    match channels {
        0 => {}
        1 => out.extend_from_slice(interleaved),
        2 => out.extend(interleaved.chunks_exact(2).map(|f| 0.5 * (f[0] + f[1]))),
        c => {
            let scale = 1.0 / c as f32;
            out.extend(
                interleaved
                    .chunks_exact(c)
                    .map(|f| f.iter().sum::<f32>() * scale),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_of_channels() {
        let mut out = Vec::new();
        downmix_into(&[1.0, 3.0, -1.0, 1.0], 2, &mut out);
        assert_eq!(out, vec![2.0, 0.0]);
        out.clear();
        downmix_into(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 6, &mut out);
        assert_eq!(out, vec![3.5]);
        out.clear();
        downmix_into(&[0.25, 0.5], 1, &mut out);
        assert_eq!(out, vec![0.25, 0.5]);
    }
}
