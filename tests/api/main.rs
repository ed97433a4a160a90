//! Integration tests: one binary, real servers on port 0 (HTTP) or a free port (MQTT), real
//! brokers — the embedded rumqttd and Debian's Mosquitto, started by the test.

mod helpers;

mod access;
mod access_limits;
mod admin_scope;
mod alerts;
mod api;
mod broker_access;
mod calendar;
mod cap;
mod city_file;
mod cluster;
mod cluster_crash;
mod cluster_failover;
mod cluster_history;
mod cluster_node;
mod dashboard;
mod dashboard_incidents;
mod deploy;
mod events;
mod export;
mod headers;
mod import;
mod incidents;
mod indicators;
mod ingest;
mod input_hardening;
mod jwt;
mod kept_reports;
mod layering;
mod lifecycle;
mod mosquitto;
mod mosquitto_acl;
mod mqtt_security;
mod ngsi;
mod notify;
mod notify_channels;
mod openapi;
mod pages;
mod quality;
mod reports;
mod store;
mod stream;
mod stream_fragments;
mod stream_limits;
