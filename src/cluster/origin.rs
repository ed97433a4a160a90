//! What every message between the nodes of a cluster carries first, and its check: the
//! format's version, and the deployment it comes from.

/// The format's version: a peer speaking another is refused, with this reason.
pub const VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum OriginError {
    #[error("format version {0}; this node speaks {VERSION}")]
    Version(u32),
    #[error("from cluster {got:?}, not {expected:?}")]
    Cluster { expected: String, got: String },
}

/// A message of version `v` from cluster `from` is for a node of `cluster`.
pub fn check(v: u32, from: &str, cluster: &str) -> Result<(), OriginError> {
    if v != VERSION {
        return Err(OriginError::Version(v));
    }
    if from != cluster {
        return Err(OriginError::Cluster {
            expected: cluster.to_owned(),
            got: from.to_owned(),
        });
    }
    Ok(())
}
