//! Simulator tests, one binary: the generated stream (determinism, patterns, faults) through
//! the pure core and dry runs; record → replay and ioc's accounting through real brokers.

mod broker;
mod city_file;
mod demo;
mod faults;
mod helpers;
mod ioc;
mod ioc_events;
mod patterns;
