//! Progress bars with rates for long runs (indicatif). Hidden when stderr is not a terminal
//! or when asked, so logs and CI output stay clean.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    last_draw: Instant,
    messages: u64,
}

impl Progress {
    /// `total`: the length in `unit`s when known (simulated seconds, lines), else a spinner.
    pub fn new(total: Option<u64>, unit: &str, visible: bool) -> Progress {
        let bar = match total {
            Some(n) => ProgressBar::new(n),
            None => ProgressBar::new_spinner(),
        };
        let template = match total {
            Some(_) => format!("{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {unit} · {{msg}} (eta {{eta}})"),
            None => format!("{{spinner}} [{{elapsed_precise}}] {{pos}} {unit} · {{msg}}"),
        };
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style);
        }
        if !visible {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        let now = Instant::now();
        Progress {
            bar,
            started: now,
            last_draw: now,
            messages: 0,
        }
    }

    /// Counts one message and moves the bar to `position`; redraws at most 5 times a second.
    pub fn message(&mut self, position: u64) {
        self.messages += 1;
        if self.last_draw.elapsed() >= Duration::from_millis(200) {
            self.last_draw = Instant::now();
            self.bar.set_position(position);
            self.bar.set_message(self.summary());
        }
    }

    pub fn summary(&self) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        format!(
            "{} msgs, {:.0} msg/s",
            self.messages,
            self.messages as f64 / secs
        )
    }

    pub fn finish(&self) {
        self.bar.set_message(self.summary());
        self.bar.finish();
    }
}
