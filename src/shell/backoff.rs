//! One capped exponential backoff for every retry loop: the MQTT reconnect, the store
//! writer's failed commits and the exporter. Each wait ends early on shutdown.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// How often a blocking wait looks at the shutdown token.
const BLOCKING_SLICE: Duration = Duration::from_millis(20);

/// Capped exponential backoff: `initial`, then doubling, never above `max`.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial_ms: u64,
    max_ms: u64,
    next_ms: u64,
}

impl Backoff {
    pub fn new(initial_ms: u64, max_ms: u64) -> Self {
        let initial_ms = initial_ms.max(1);
        Backoff {
            initial_ms,
            max_ms: max_ms.max(initial_ms),
            next_ms: initial_ms,
        }
    }

    /// The delay before the next attempt; each call doubles the one after it, up to the cap.
    pub fn next_delay(&mut self) -> Duration {
        let d = self.next_ms;
        self.next_ms = self.next_ms.saturating_mul(2).min(self.max_ms);
        Duration::from_millis(d)
    }

    /// Called after a success: the next failure waits `initial` again.
    pub fn reset(&mut self) {
        self.next_ms = self.initial_ms;
    }

    /// Sleeps the next delay; false when `shutdown` was (or got) cancelled first.
    pub async fn wait(&mut self, shutdown: &CancellationToken) -> bool {
        let delay = self.next_delay();
        tokio::select! {
            _ = shutdown.cancelled() => false,
            _ = tokio::time::sleep(delay) => !shutdown.is_cancelled(),
        }
    }

    /// [`Backoff::wait`] for a blocking thread: sleeps in short slices, looking at `shutdown`
    /// between them.
    pub fn wait_blocking(&mut self, shutdown: &CancellationToken) -> bool {
        let deadline = std::time::Instant::now() + self.next_delay();
        loop {
            if shutdown.is_cancelled() {
                return false;
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return true;
            }
            std::thread::sleep(left.min(BLOCKING_SLICE));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_and_reset_after_success() {
        let mut b = Backoff::new(250, 1500);
        let ms: Vec<u128> = (0..5).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(ms, [250, 500, 1000, 1500, 1500]);
        b.reset();
        assert_eq!(b.next_delay().as_millis(), 250);
    }

    #[tokio::test]
    async fn a_wait_sleeps_its_delay_unless_shutdown_comes_first() {
        let shutdown = CancellationToken::new();
        let mut b = Backoff::new(30, 60_000);
        let t0 = std::time::Instant::now();
        assert!(b.wait(&shutdown).await);
        assert!(t0.elapsed() >= Duration::from_millis(30));
        let s = shutdown.clone();
        tokio::spawn(async move { s.cancel() });
        let mut long = Backoff::new(60_000, 60_000);
        assert!(!long.wait(&shutdown).await, "cancelled during a 60 s wait");
        assert!(t0.elapsed() < Duration::from_secs(30));
    }

    #[test]
    fn a_blocking_wait_ends_early_on_shutdown() {
        let shutdown = CancellationToken::new();
        let mut b = Backoff::new(60_000, 60_000);
        let s = shutdown.clone();
        let t = std::thread::spawn(move || b.wait_blocking(&s));
        std::thread::sleep(Duration::from_millis(50));
        shutdown.cancel();
        assert!(!t.join().expect("no panic"));
    }
}
