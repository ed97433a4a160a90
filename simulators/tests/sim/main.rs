//! Simulator tests, one binary: the generated stream (determinism, patterns, faults) through
//! the pure core and dry runs; record → replay and ioc's accounting through real brokers.

mod broker;
mod city_file;
mod faults;
mod helpers;
mod patterns;
