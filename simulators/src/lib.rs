//! `simulators`: a living city for demos, tests and engineers — the `ioc-sim` binary.
//!
//! # Layout
//!
//! A pure core that turns a scenario into a stream of messages, and thin async shells that
//! move messages between that stream, an MQTT broker and JSONL files:
//!
//! - [`scenario`]: the declarative TOML scenario (models, rates, patterns, faults), validated.
//! - [`generate`]: the pure generator: `World` (weather, traffic level, incidents, episodes as
//!   functions of seed and time), one `SensorSim` per sensor, `Events` (citizen reports and
//!   camera detections), and the time-ordered `Generator` that merges them.
//! - [`faults`]: fault decisions per reading (dropouts, stuck values, spikes, clock skew,
//!   duplicates, out-of-order delivery, malformed payloads).
//! - [`jsonl`]: the one line format of recordings and dry runs: time, topic, payload.
//! - [`pacing`]: pure schedule from simulated time to wall-clock offsets (speed, catch-up,
//!   rate cap).
//! - [`mqtt`]: the MQTT connection that publishes (QoS 1, waits for every PUBACK).
//! - [`pump`]: the loop every command shares (pace, send, count) and its outputs.
//! - [`run`], [`record`], [`replay`]: the three commands' shells; [`progress`] draws their bars;
//!   [`retime`] moves a recording's payload times for `replay --retime`.
//! - [`city_file`]: synthetic city files of any size (`gen-city`), for load tests and benches.
//! - [`hook`]: the webhook receiver (`hook`) that checks and prints ioc's notifications.
//! - [`cli`]: the clap definitions; `main.rs` only wires them to the shells.

pub mod city_file;
pub mod cli;
pub mod faults;
pub mod generate;
pub mod hook;
pub mod jsonl;
pub mod mqtt;
pub mod pacing;
pub mod progress;
pub mod pump;
pub mod record;
pub mod replay;
pub mod retime;
pub mod run;
pub mod scenario;
