//! A stable-Rust fuzzer for the targets of `leitmotif_fuzz` (no nightly, no libFuzzer): loads
//! the seeds of `corpus/TARGET/`, then for SECONDS mutates a random seed (bit flips, random
//! bytes, interesting values, block deletion, duplication and insertion, splices with another
//! seed, truncation; Ogg page CRCs recomputed after the edits), runs the target, and keeps every input that panics (a bug, see
//! `leitmotif_fuzz`) or takes more than 10 s in `artifacts/TARGET/`. Not coverage-guided.
//!
//! usage: mutate TARGET SECONDS [SEED]      (run from fuzz/; prints executions and findings)
//!        mutate replay TARGET              (every seed once, for CI)

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>], base: &[u8]) -> Vec<u8> {
    let mut x = base.to_vec();
    let rounds = 1 + rng.below(8);
    for _ in 0..rounds {
        if x.is_empty() {
            x.push(rng.next() as u8);
        }
        let len = x.len();
        // Headers matter most: half the edits land in the first 512 bytes.
        let at = if rng.below(2) == 0 {
            rng.below(len.min(512))
        } else {
            rng.below(len)
        };
        match rng.below(9) {
            0 => x[at] ^= 1 << rng.below(8),
            1 => x[at] = rng.next() as u8,
            2 => {
                let v: [u8; 4] = match rng.below(6) {
                    0 => [0; 4],
                    1 => [0xff; 4],
                    2 => [0x7f, 0xff, 0xff, 0xff],
                    3 => [0x80, 0, 0, 0],
                    4 => [0, 0, 0, 1],
                    _ => (rng.next() as u32).to_be_bytes(),
                };
                let n = (len - at).min(1 + rng.below(4));
                x[at..at + n].copy_from_slice(&v[..n]);
            }
            3 => {
                let n = (len - at).min(1 + rng.below(256));
                x.drain(at..at + n);
            }
            4 => {
                let n = (len - at).min(1 + rng.below(256));
                let block = x[at..at + n].to_vec();
                let to = rng.below(x.len());
                x.splice(to..to, block);
            }
            5 => {
                let n = 1 + rng.below(64);
                let block: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                x.splice(at..at, block);
            }
            6 => {
                let other = &seeds[rng.below(seeds.len())];
                if !other.is_empty() {
                    let from = rng.below(other.len());
                    let n = (other.len() - from).min(1 + rng.below(4096));
                    let end = (at + n).min(len);
                    x.splice(at..end, other[from..from + n].iter().copied());
                }
            }
            7 => x.truncate(at.max(1)),
            _ => {
                // A multi-byte field set to a large or negative value (lengths, counts).
                let n = (len - at).min(8);
                for b in &mut x[at..at + n] {
                    *b = 0xff;
                }
                if n > 0 {
                    x[at] = 0x7f;
                }
            }
        }
        if x.len() > 4 << 20 {
            x.truncate(4 << 20);
        }
    }
    // Format-aware step: Ogg pages carry a CRC, so most edits of an Ogg file only ever test
    // the CRC check. Usually recompute them so that the edited bytes reach the parsers.
    if x.starts_with(b"OggS") && rng.below(8) != 0 {
        fix_ogg_crcs(&mut x);
    }
    x
}

/// Recomputes the CRC of every Ogg page found by walking the page headers from the start.
fn fix_ogg_crcs(x: &mut [u8]) {
    let mut at = 0;
    while at + 27 <= x.len() && &x[at..at + 4] == b"OggS" {
        let segments = x[at + 26] as usize;
        let Some(lacing) = x.get(at + 27..at + 27 + segments) else {
            return;
        };
        let len = 27 + segments + lacing.iter().map(|&l| l as usize).sum::<usize>();
        let Some(page) = x.get_mut(at..at + len) else {
            return;
        };
        page[22..26].fill(0);
        let mut crc = 0u32;
        for &b in page.iter() {
            crc ^= (b as u32) << 24;
            for _ in 0..8 {
                crc = if crc & 0x8000_0000 != 0 {
                    (crc << 1) ^ 0x04c1_1db7
                } else {
                    crc << 1
                };
            }
        }
        page[22..26].copy_from_slice(&crc.to_le_bytes());
        at += len;
    }
}

fn load_seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = format!("corpus/{target}");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    names.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

fn save(target: &str, kind: &str, data: &[u8]) -> String {
    let dir = format!("artifacts/{target}");
    let _ = std::fs::create_dir_all(&dir);
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &b in data {
        h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    let path = format!("{dir}/{kind}-{h:016x}");
    let _ = std::fs::write(&path, data);
    path
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let find = |name: &str| {
        leitmotif_fuzz::TARGETS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
            .unwrap_or_else(|| panic!("unknown target {name}"))
    };
    if args.first().map(String::as_str) == Some("replay") {
        let name = &args[1];
        let f = find(name);
        for seed in load_seeds(name) {
            f(&seed);
        }
        println!("{name}: replayed the corpus");
        return;
    }
    let name = args
        .first()
        .expect("usage: mutate TARGET SECONDS [SEED]")
        .clone();
    let secs: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60);
    let mut rng = Rng(args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15)
        | 1);
    let f = find(&name);
    let seeds = load_seeds(&name);
    assert!(!seeds.is_empty(), "no seeds in corpus/{name}");
    let started = Instant::now();
    let (mut execs, mut crashes, mut slow) = (0u64, 0u64, 0u64);
    let mut last_report = Instant::now();
    while started.elapsed() < Duration::from_secs(secs) {
        let base = &seeds[rng.below(seeds.len())];
        let input = mutate(&mut rng, &seeds, base);
        let t = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| f(&input)));
        execs += 1;
        if let Err(panic) = result {
            crashes += 1;
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            println!("CRASH {}: {msg}", save(&name, "crash", &input));
        }
        if t.elapsed() > Duration::from_secs(10) {
            slow += 1;
            println!(
                "SLOW {:.1} s {}",
                t.elapsed().as_secs_f64(),
                save(&name, "slow", &input)
            );
        }
        if last_report.elapsed() > Duration::from_secs(60) {
            last_report = Instant::now();
            println!("{name}: {execs} execs, {crashes} crashes, {slow} slow");
        }
    }
    let (upstream, sites) = leitmotif_fuzz::upstream_panics();
    println!(
        "{name}: {execs} executions in {:.0} s ({:.0}/s), {crashes} crashes, {slow} slow (> 10 s), \
         {upstream} caught third-party panics at {sites:?}",
        started.elapsed().as_secs_f64(),
        execs as f64 / started.elapsed().as_secs_f64()
    );
}
