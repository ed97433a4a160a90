//! The progress bar on standard error: redrawn in place on a terminal, a line every 10 s
//! otherwise (a log file or CI).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub struct Progress {
    total_bytes: u64,
    done_bytes: u64,
    readings: u64,
    started: Instant,
    last: Instant,
    terminal: bool,
    enabled: bool,
}

const WIDTH: usize = 30;

impl Progress {
    /// `enabled: false` prints nothing (tests, `--quiet`).
    pub fn new(total_bytes: u64, enabled: bool) -> Self {
        let now = Instant::now();
        Progress {
            total_bytes,
            done_bytes: 0,
            readings: 0,
            started: now,
            last: now,
            terminal: std::io::stderr().is_terminal(),
            enabled,
        }
    }

    /// Counts `bytes` of input read and `readings` stored since the last call.
    pub fn advance(&mut self, bytes: u64, readings: u64) {
        self.done_bytes += bytes;
        self.readings += readings;
        let every = if self.terminal {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(10)
        };
        if self.enabled && self.last.elapsed() >= every {
            self.last = Instant::now();
            self.draw();
        }
    }

    pub fn finish(&mut self) {
        if self.enabled {
            self.draw();
            if self.terminal {
                eprintln!();
            }
        }
    }

    /// Readings stored per second so far.
    pub fn rate(&self) -> f64 {
        self.readings as f64 / self.started.elapsed().as_secs_f64().max(1e-3)
    }

    fn draw(&self) {
        let share = if self.total_bytes == 0 {
            1.0
        } else {
            (self.done_bytes as f64 / self.total_bytes as f64).min(1.0)
        };
        let filled = (share * WIDTH as f64) as usize;
        let line = format!(
            "import [{}{}] {:>3.0}% {} of {} MB, {} readings, {:.0} readings/s",
            "#".repeat(filled),
            "-".repeat(WIDTH - filled),
            share * 100.0,
            self.done_bytes / 1_000_000,
            self.total_bytes / 1_000_000,
            self.readings,
            self.rate()
        );
        let mut err = std::io::stderr().lock();
        let _ = if self.terminal {
            write!(err, "\r{line}")
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
    }
}
