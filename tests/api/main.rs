//! Integration tests: one binary, real servers on port 0 (HTTP) or a free port (MQTT), real
//! brokers — the embedded rumqttd and Debian's Mosquitto, started by the test.

mod helpers;

mod access;
mod access_limits;
mod alerts;
mod api;
mod broker_access;
mod dashboard;
mod export;
mod indicators;
mod ingest;
mod layering;
mod lifecycle;
mod mosquitto;
mod mosquitto_acl;
mod mqtt_security;
mod store;
mod stream;
