//! Request rate limits (GCRA via `governor`): one bucket per API key or token subject, one per
//! client IP. A refusal carries how long to wait, for `Retry-After`.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Requests per second and burst, per key and per IP (`[http]` settings).
#[derive(Debug, Clone, Copy)]
pub struct RateConfig {
    pub per_key_per_s: u32,
    pub per_key_burst: u32,
    pub per_ip_per_s: u32,
    pub per_ip_burst: u32,
}

pub struct RateLimits {
    keys: DefaultKeyedRateLimiter<String>,
    ips: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

fn quota(per_s: u32, burst: u32) -> Quota {
    let rate = NonZeroU32::new(per_s).unwrap_or(NonZeroU32::MIN);
    Quota::per_second(rate).allow_burst(NonZeroU32::new(burst).unwrap_or(rate))
}

impl RateLimits {
    pub fn new(c: RateConfig) -> RateLimits {
        RateLimits {
            keys: RateLimiter::keyed(quota(c.per_key_per_s, c.per_key_burst)),
            ips: RateLimiter::keyed(quota(c.per_ip_per_s, c.per_ip_burst)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one request from `ip`; `Err(wait)` when over the limit.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Duration> {
        self.ips
            .check_key(&ip)
            .map_err(|n| n.wait_time_from(self.clock.now()))
    }

    /// Counts one request by the caller `principal_id`.
    pub fn check_key(&self, principal_id: &str) -> Result<(), Duration> {
        self.keys
            .check_key(&principal_id.to_owned())
            .map_err(|n| n.wait_time_from(self.clock.now()))
    }

    /// Forgets buckets that are full again, so memory follows active callers only.
    pub fn prune(&self) {
        self.ips.retain_recent();
        self.keys.retain_recent();
        self.ips.shrink_to_fit();
        self.keys.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refuse_with_a_wait() {
        let l = RateLimits::new(RateConfig {
            per_key_per_s: 1,
            per_key_burst: 3,
            per_ip_per_s: 1,
            per_ip_burst: 2,
        });
        for _ in 0..3 {
            assert!(l.check_key("key:a").is_ok());
        }
        let wait = l.check_key("key:a").unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(l.check_key("key:b").is_ok(), "buckets are per key");
        let ip: IpAddr = [10, 0, 0, 1].into();
        assert!(l.check_ip(ip).is_ok() && l.check_ip(ip).is_ok());
        assert!(l.check_ip(ip).is_err());
    }
}
