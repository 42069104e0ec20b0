//! Progress reporting for batch runs.
//!
//! On a terminal: a progress bar (tracks done/total, audio hours processed, tracks/s, ETA,
//! failures). Otherwise (logs, CI, Kubernetes): one line to stderr every
//! [`LINE_INTERVAL`]. Either way a summary line at the end; `quiet` silences all of it.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Interval between progress lines when stderr is not a terminal.
pub const LINE_INTERVAL: Duration = Duration::from_secs(10);

/// Counts and reports progress.
pub struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    quiet: bool,
    total: usize,
    done: usize,
    failed: usize,
    skipped: usize,
    audio_s: f64,
    started: Instant,
    last_line: Instant,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("done", &self.done)
            .field("total", &self.total)
            .finish()
    }
}

impl Progress {
    /// Starts reporting for `total` tracks (`skipped` of them already done by a previous run).
    pub fn new(total: usize, skipped: usize, quiet: bool) -> Self {
        let tty = std::io::stderr().is_terminal();
        let bar = (!quiet && tty).then(|| {
            let b = ProgressBar::new(total as u64);
            if let Ok(style) =
                ProgressStyle::with_template("{bar:30} {pos}/{len} tracks · {msg} · ETA {eta}")
            {
                b.set_style(style);
            }
            b
        });
        Progress {
            bar,
            lines: !quiet && !tty,
            quiet,
            total,
            done: 0,
            failed: 0,
            skipped,
            audio_s: 0.0,
            started: Instant::now(),
            last_line: Instant::now(),
        }
    }

    fn rate(&self) -> f64 {
        self.done as f64 / self.started.elapsed().as_secs_f64().max(1e-9)
    }

    /// Records one finished track with `audio_s` seconds of audio.
    pub fn track(&mut self, ok: bool, audio_s: f64) {
        self.done += 1;
        self.failed += (!ok) as usize;
        self.audio_s += audio_s;
        let msg = format!(
            "{:.2} h audio · {:.1} tracks/s · {} failed",
            self.audio_s / 3600.0,
            self.rate(),
            self.failed
        );
        if let Some(b) = &self.bar {
            b.set_position(self.done as u64);
            b.set_message(msg);
        } else if self.lines
            && (self.last_line.elapsed() >= LINE_INTERVAL || self.done == self.total)
        {
            let left = self.total.saturating_sub(self.done) as f64;
            eprintln!(
                "progress: {}/{} tracks · {msg} · ETA {:.0} s",
                self.done,
                self.total,
                left / self.rate().max(1e-9)
            );
            self.last_line = Instant::now();
        }
    }

    /// Prints one line to stderr (a failed track, a note) without tearing the progress bar;
    /// printed even when `quiet` (errors are never hidden).
    pub fn message(&self, line: &str) {
        match &self.bar {
            Some(b) => b.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Runs `f` (e.g. a write to a terminal's standard output) with the progress bar hidden,
    /// so the two do not tear each other.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(b) => b.suspend(f),
            None => f(),
        }
    }

    /// Tracks that failed so far.
    pub fn failed(&self) -> usize {
        self.failed
    }

    /// Ends the bar and prints the summary line.
    pub fn finish(self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
        if self.quiet {
            return;
        }
        let wall = self.started.elapsed().as_secs_f64();
        eprintln!(
            "done: {} ok, {} failed{} · {:.2} h of audio in {:.1} s · {:.0}× real time",
            self.done - self.failed,
            self.failed,
            if self.skipped > 0 {
                format!(", {} already done (resume)", self.skipped)
            } else {
                String::new()
            },
            self.audio_s / 3600.0,
            wall,
            self.audio_s / wall.max(1e-9)
        );
    }
}
