//! The shared store's part of history. A partition stores only its own districts, so for the
//! others, and for the whole city, it asks the store every node exports to
//! (`cluster.history_url`), and marks the answer `source: "victoriametrics"`.

use std::sync::Arc;

use crate::export::{PromClient, PromRequest, Selector};
use crate::model::City;
use crate::store::{Point, Scope};

use super::super::error::ApiError;

pub struct Shared {
    pub client: Arc<PromClient>,
    /// The districts this node owns, by index.
    pub owned: Arc<[bool]>,
}

impl Shared {
    /// Whether this node's store lacks what `scope` reads: the whole city, a district it does
    /// not own, or a sensor of one.
    pub fn answers(&self, city: &City, scope: &Scope) -> bool {
        let owns = |d: usize| self.owned.get(d).copied().unwrap_or(false);
        match scope {
            Scope::Group { district: None, .. } => true,
            Scope::Group {
                district: Some(d), ..
            } => !owns(usize::from(d.0)),
            Scope::Sensor(id) => city
                .sensor(id)
                .is_some_and(|s| !owns(usize::from(s.district.0))),
        }
    }

    pub(super) async fn points(&self, ask: &PromRequest<'_>) -> Result<Vec<Point>, ApiError> {
        self.client.points(ask).await.map_err(|e| match e {
            crate::export::PromError::LastOfGroup => ApiError::InvalidQuery(e.to_string()),
            e => ApiError::Upstream(e.to_string()),
        })
    }
}

/// The request for `series`: on the epoch's grid, or for calendar steps starting at
/// `starts` (days or weeks of the local calendar), from the first of them.
pub(super) fn request<'a>(
    mut series: Selector<'a>,
    starts: Option<&[i64]>,
) -> Result<PromRequest<'a>, ApiError> {
    let Some(starts) = starts else {
        return Ok(PromRequest {
            series,
            origin_ms: 0,
        });
    };
    series.step_ms = uniform(starts)?;
    Ok(PromRequest {
        series,
        origin_ms: starts.first().copied().unwrap_or(0),
    })
}

/// The one step length of calendar `starts`, when they all have it; a month, or a day across a
/// daylight-saving change, has not.
fn uniform(starts: &[i64]) -> Result<i64, ApiError> {
    let mut lengths = starts.windows(2).map(|w| w[1] - w[0]);
    let first = lengths.next().unwrap_or(86_400_000);
    if lengths.all(|l| l == first) {
        return Ok(first);
    }
    Err(ApiError::InvalidQuery(
        "calendar steps of unequal length (months, or days across a daylight-saving change) are not answered from the shared store; ask for a fixed step such as 1d".into(),
    ))
}
