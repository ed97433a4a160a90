//! The shape rules of a district polygon beyond its coordinates: at least three distinct
//! points, and edges that cross nowhere but at their shared corners. A degenerate or
//! self-intersecting ring has no well-defined inside, so the map and any point-in-district
//! test would disagree about what lies in the district.

/// What is wrong with a ring of `[lon, lat]` points, if anything. The ring may be closed
/// (last point equal to the first) or open.
pub(super) fn shape_problem(polygon: &[[f64; 2]]) -> Option<String> {
    let ring = open_ring(polygon);
    let mut distinct: Vec<[u64; 2]> = ring.iter().map(|p| p.map(f64::to_bits)).collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 3 {
        return Some(format!(
            "{} distinct points; a polygon needs at least 3",
            distinct.len()
        ));
    }
    let n = ring.len();
    for i in 0..n {
        for j in i + 1..n {
            // Neighbouring edges share a corner; the ring's last edge neighbours its first.
            if j == i + 1 || (i == 0 && j == n - 1) {
                continue;
            }
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            let (c, d) = (ring[j], ring[(j + 1) % n]);
            if segments_meet(a, b, c, d) {
                return Some(format!(
                    "edge {i} ({a:?} → {b:?}) crosses edge {j} ({c:?} → {d:?}); the polygon must not intersect itself"
                ));
            }
        }
    }
    None
}

/// The ring without its closing point and without repeated consecutive points (a repeated
/// point is a zero-length edge, which would "touch" its neighbours).
fn open_ring(polygon: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let mut ring: Vec<[f64; 2]> = Vec::with_capacity(polygon.len());
    for p in polygon {
        if ring.last() != Some(p) {
            ring.push(*p);
        }
    }
    while ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    ring
}

/// Sign of the turn a → b → c: positive left, negative right, zero collinear.
fn orient(a: [f64; 2], b: [f64; 2], c: [f64; 2]) -> f64 {
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

/// `p` lies within the bounding box of `a`–`b` (used once `p` is known collinear).
fn within(a: [f64; 2], b: [f64; 2], p: [f64; 2]) -> bool {
    p[0] >= a[0].min(b[0])
        && p[0] <= a[0].max(b[0])
        && p[1] >= a[1].min(b[1])
        && p[1] <= a[1].max(b[1])
}

/// True when the closed segments a–b and c–d have a point in common.
fn segments_meet(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2]) -> bool {
    let (o1, o2) = (orient(a, b, c), orient(a, b, d));
    let (o3, o4) = (orient(c, d, a), orient(c, d, b));
    if o1 * o2 < 0.0 && o3 * o4 < 0.0 {
        return true;
    }
    (o1 == 0.0 && within(a, b, c))
        || (o2 == 0.0 && within(a, b, d))
        || (o3 == 0.0 && within(c, d, a))
        || (o4 == 0.0 && within(c, d, b))
}

#[cfg(test)]
mod tests {
    use super::shape_problem;

    #[test]
    fn a_square_open_or_closed_is_a_polygon() {
        let square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
        assert_eq!(shape_problem(&square), None);
        let mut closed = square.to_vec();
        closed.push([0.0, 0.0]);
        assert_eq!(shape_problem(&closed), None);
    }

    #[test]
    fn repeated_points_leaving_fewer_than_three_are_refused() {
        let why = shape_problem(&[[0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [1.0, 1.0]]);
        assert!(why.is_some_and(|w| w.contains("2 distinct points")));
        assert!(shape_problem(&[[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]).is_some());
    }

    #[test]
    fn a_bow_tie_is_refused() {
        let bow_tie = [[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0]];
        let why = shape_problem(&bow_tie).expect("self-intersecting");
        assert!(why.contains("must not intersect itself"), "{why}");
    }

    #[test]
    fn a_ring_that_touches_itself_is_refused() {
        // The fifth point lies on the first edge.
        let touching = [[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [1.0, 2.0], [1.0, 0.0]];
        assert!(shape_problem(&touching).is_some());
    }

    #[test]
    fn a_concave_polygon_is_accepted() {
        let arrow = [[0.0, 0.0], [2.0, 1.0], [0.0, 2.0], [1.0, 1.0]];
        assert_eq!(shape_problem(&arrow), None);
    }
}
