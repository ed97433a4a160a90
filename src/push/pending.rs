//! The budget of pending connections: WebSocket upgrades that carried no credential and have
//! not yet sent an `auth` message. They are held apart from `push.max_connections`, so
//! anonymous upgrades cannot fill the control room's seats: at most `push.max_pending` in
//! all and `push.max_pending_per_ip` from one address, each for at most
//! `push.auth_timeout_ms`. Once authenticated, a connection takes a normal seat and gives its
//! pending one back.

use std::collections::HashMap;
use std::net::IpAddr;

/// Why a pending connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingFull {
    Total(usize),
    PerIp(usize),
}

impl PendingFull {
    pub fn message(self) -> String {
        match self {
            PendingFull::Total(n) => format!(
                "{n} WebSocket connections are waiting to authenticate (push.max_pending); \
                 authenticate in the upgrade request or try again later"
            ),
            PendingFull::PerIp(n) => format!(
                "{n} WebSocket connections from this address are waiting to authenticate \
                 (push.max_pending_per_ip); authenticate in the upgrade request or try again later"
            ),
        }
    }
}

/// Counts of pending connections, in all and per address. Pure; the caller holds the lock.
#[derive(Debug)]
pub struct PendingBook {
    max_total: usize,
    max_per_ip: usize,
    total: usize,
    /// Only addresses with a pending connection: entries leave at zero, so the map is bounded
    /// by `max_total`.
    per_ip: HashMap<IpAddr, usize>,
}

impl PendingBook {
    pub fn new(max_total: usize, max_per_ip: usize) -> PendingBook {
        PendingBook {
            max_total,
            max_per_ip,
            total: 0,
            per_ip: HashMap::new(),
        }
    }

    pub fn take(&mut self, ip: IpAddr) -> Result<(), PendingFull> {
        if self.total >= self.max_total {
            return Err(PendingFull::Total(self.max_total));
        }
        let n = self.per_ip.entry(ip).or_insert(0);
        if *n >= self.max_per_ip {
            return Err(PendingFull::PerIp(self.max_per_ip));
        }
        *n += 1;
        self.total += 1;
        Ok(())
    }

    pub fn give_back(&mut self, ip: IpAddr) {
        if let Some(n) = self.per_ip.get_mut(&ip) {
            *n -= 1;
            self.total -= 1;
            if *n == 0 {
                self.per_ip.remove(&ip);
            }
        }
    }

    pub fn total(&self) -> usize {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_book_caps_each_address_and_the_total_and_frees_on_give_back() {
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let c: IpAddr = [10, 0, 0, 3].into();
        let mut book = PendingBook::new(3, 2);
        assert_eq!(book.take(a), Ok(()));
        assert_eq!(book.take(a), Ok(()));
        assert_eq!(book.take(a), Err(PendingFull::PerIp(2)));
        assert_eq!(book.take(b), Ok(()));
        assert_eq!(book.take(c), Err(PendingFull::Total(3)));
        book.give_back(a);
        assert_eq!(book.take(c), Ok(()));
        for ip in [a, b, c] {
            book.give_back(ip);
        }
        assert_eq!(book.total(), 0);
        assert!(
            book.per_ip.is_empty(),
            "no address is kept once it has none"
        );
        book.give_back(a); // nothing to give back: no underflow
        assert_eq!(book.total(), 0);
    }
}
