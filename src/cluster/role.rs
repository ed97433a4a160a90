//! Which replica decides alerts. Of the nodes owning the same districts, one decides; the
//! others follow it. No vote: every node reads the same retained summaries, in which each says
//! since when it decides. The role is sticky: a node keeps it while it lives, so a node that
//! returns follows the one that decided while it was away, and catches up from it. When no
//! fresh peer decides (the decider died: its last will), the smallest settled node id takes
//! the role; if two ever decide at once, the smaller keeps it. A node decides only once it has
//! heard the retained summaries for a moment (`settled`), so it knows who is there. Pure.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::snapshot::Peer;

/// Whether `me`, owning `mine` (district indices, sorted) and deciding now or not, decides
/// after this look at the fresh `peers`.
pub fn decides(
    me: &str,
    mine: &[u16],
    peers: &BTreeMap<Arc<str>, Peer>,
    deciding: bool,
    settled: bool,
) -> bool {
    if !settled {
        return false;
    }
    let replicas = || peers.iter().filter(|(_, p)| p.districts.as_slice() == mine);
    match leader(mine, peers) {
        Some(l) => deciding && me < l,
        None => deciding || replicas().all(|(node, _)| me < &**node),
    }
}

/// The peer that decides for `mine`, if one does: the smallest deciding node id among the
/// fresh `peers` that own the same districts.
pub fn leader<'a>(mine: &[u16], peers: &'a BTreeMap<Arc<str>, Peer>) -> Option<&'a str> {
    peers
        .iter()
        .filter(|(_, p)| p.districts.as_slice() == mine && p.decides_since.is_some())
        .map(|(node, _)| &**node)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peers(list: &[(&str, &[u16], bool)]) -> BTreeMap<Arc<str>, Peer> {
        let peer = |d: &[u16], decides: bool| Peer {
            districts: d.to_vec(),
            decides_since: decides.then_some(1),
        };
        list.iter()
            .map(|(n, d, decides)| (Arc::from(*n), peer(d, *decides)))
            .collect()
    }

    #[test]
    fn the_decider_keeps_the_role_and_the_smallest_takes_it_when_nobody_has_it() {
        let nobody = peers(&[("b", &[0, 1], false), ("c", &[2, 3], true)]);
        assert!(
            decides("a", &[0, 1], &nobody, false, true),
            "a is the smallest of 0–1"
        );
        assert!(
            !decides("a", &[0, 1], &nobody, false, false),
            "not before it settled"
        );
        assert!(
            !decides("c", &[0, 1], &nobody, false, true),
            "b is smaller and free"
        );
        let b_decides = peers(&[("b", &[0, 1], true)]);
        assert!(
            !decides("a", &[0, 1], &b_decides, false, true),
            "a returning follows b"
        );
        assert_eq!(leader(&[0, 1], &b_decides), Some("b"));
        assert!(
            decides("a", &[0, 1], &b_decides, true, true),
            "two deciders: the smaller keeps it"
        );
        assert!(
            !decides("c", &[0, 1], &b_decides, true, true),
            "and the larger yields"
        );
        assert!(
            decides("z", &[9], &nobody, false, true),
            "alone in its districts"
        );
        assert_eq!(leader(&[7], &nobody), None);
    }
}
