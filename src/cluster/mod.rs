//! Cluster: several `ioc` nodes of one deployment, coordinated through the broker alone
//! (docs/decisions.md, "Partitions share summaries through the broker"). A node owns some
//! districts (its partition) or the whole city (a replica); it publishes a summary of what it
//! owns, retained, and merges its peers' summaries into the city view, so any node serves the
//! whole city's screen, and says `partial` when a partition is missing.
//!
//! - `settings.rs`: `[cluster]`: name, node id, districts, topics, summary interval, the shared
//!   store's query API, the link's account.
//! - `origin.rs`: the version and deployment every message between nodes carries.
//! - `summary.rs`: the pure core: a node's summary, and what a received one means here.
//! - `alerts.rs`: alert changes and tables between replicas, and forwarded acknowledgements.
//! - `incidents.rs`: incident changes, forwarded actions and replies, posted events and the
//!   incident table between replicas.
//! - `reload.rs`: a rule reload on one node makes the others re-read their rules.
//! - `role.rs`: which replica decides alerts.
//! - `replication.rs`: the link's alert side: the role, a primary's changes and table, a
//!   follower's catching up.
//! - `keys.rs`: the key table a node shares, so keys made or revoked anywhere hold everywhere.
//! - `link.rs`: the thin shell: its own broker connection, listening to the peers.
//! - `publisher.rs`: what the node publishes: its summary, its key table, its alerts and
//!   reloads, its goodbye.
//! - `topology.rs`: a whole deployment's layout, checked against the city (`ioc check-topology`).
//! - `status.rs`: what `/readyz` says of the cluster.

mod alerts;
mod incidents;
mod keys;
mod link;
mod origin;
mod publisher;
mod reload;
mod replication;
mod role;
mod settings;
mod status;
mod summary;
mod topology;

pub use link::{Link, LinkParts};
pub use settings::ClusterSettings;
pub use status::ClusterStatus;
pub use summary::{gone, heard, summarise, DistrictSummary, Heard, Summary, SummaryError};
pub use topology::{Checked, Partition, Topology, TopologyError};

#[cfg(test)]
mod tests;
