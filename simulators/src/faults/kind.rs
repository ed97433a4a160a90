//! The names of the faults, and a set of them to tag a message with.

use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    Dropout,
    Stuck,
    Spike,
    ClockSkew,
    Duplicate,
    OutOfOrder,
    Malformed,
}

impl Fault {
    pub const ALL: [Fault; 7] = [
        Fault::Dropout,
        Fault::Stuck,
        Fault::Spike,
        Fault::ClockSkew,
        Fault::Duplicate,
        Fault::OutOfOrder,
        Fault::Malformed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Dropout => "dropout",
            Fault::Stuck => "stuck",
            Fault::Spike => "spike",
            Fault::ClockSkew => "clock_skew",
            Fault::Duplicate => "duplicate",
            Fault::OutOfOrder => "out_of_order",
            Fault::Malformed => "malformed",
        }
    }

    pub fn parse(s: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.as_str() == s)
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The faults applied to one message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultSet(u8);

impl FaultSet {
    pub fn insert(&mut self, f: Fault) {
        self.0 |= f.bit();
    }

    pub fn contains(self, f: Fault) -> bool {
        self.0 & f.bit() != 0
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Fault> {
        Fault::ALL.into_iter().filter(move |f| self.contains(*f))
    }
}

impl Serialize for FaultSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(Fault::as_str))
    }
}
