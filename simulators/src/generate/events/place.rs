//! Where events happen: each district's outline, its roads (for descriptions) and the cameras
//! the simulator invents for it, each at a fixed point inside the district.

use ioc::model::City;

use crate::generate::rng::{hash_str, mix, Rng};
use crate::scenario::is_id;

/// Stream tag for camera placement (not seeded by the scenario: cameras do not move).
const CAMERA_PLACE: u64 = 0xCA3E;

/// A camera the simulator invents: `cam-{district}-{n}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Camera {
    pub id: String,
    pub district: usize,
    pub lat: f64,
    pub lon: f64,
}

/// One district as events see it.
#[derive(Debug, Clone)]
pub struct Area {
    pub id: String,
    pub name: String,
    /// `[lon, lat]` pairs.
    pub polygon: Vec<[f64; 2]>,
    /// Street names from the district's road sensors ("Vòng từ Hùng Vương #3" → "Hùng Vương").
    pub roads: Vec<String>,
    /// Indices into `Places::cameras`.
    pub cameras: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Places {
    pub areas: Vec<Area>,
    pub cameras: Vec<Camera>,
}

impl Places {
    pub fn new(city: &City, cameras_per_district: u32) -> Places {
        let mut areas: Vec<Area> = city
            .districts
            .iter()
            .map(|d| Area {
                id: d.id.clone(),
                name: d.name.clone(),
                polygon: d.polygon.clone(),
                roads: Vec::new(),
                cameras: Vec::new(),
            })
            .collect();
        for s in &city.sensors {
            let Some((road, _)) = s.name.split_once('#') else {
                continue;
            };
            let road = road.trim();
            let road = road.strip_prefix("Vòng từ ").unwrap_or(road).trim();
            let area = &mut areas[usize::from(s.district.0)];
            if !road.is_empty() && !area.roads.iter().any(|r| r == road) {
                area.roads.push(road.to_owned());
            }
        }
        let mut cameras = Vec::new();
        for (district, area) in areas.iter_mut().enumerate() {
            for n in 1..=cameras_per_district {
                let mut id = format!("cam-{}-{n}", area.id);
                if !is_id(&id) {
                    id = format!("cam-{district}-{n}");
                }
                let mut rng = Rng::new(mix(&[hash_str(&area.id), CAMERA_PLACE, u64::from(n)]));
                let (lat, lon) = point_inside(&area.polygon, &mut rng);
                area.cameras.push(cameras.len());
                cameras.push(Camera {
                    id,
                    district,
                    lat,
                    lon,
                });
            }
        }
        Places { areas, cameras }
    }

    /// A random point inside district `district`, `(lat, lon)`.
    pub fn point_in(&self, district: usize, rng: &mut Rng) -> (f64, f64) {
        point_inside(&self.areas[district].polygon, rng)
    }

    /// True when `(lat, lon)` lies inside district `district`.
    pub fn contains(&self, district: usize, lat: f64, lon: f64) -> bool {
        inside(&self.areas[district].polygon, lon, lat)
    }
}

/// A uniform point inside the polygon (rejection within its bounding box), rounded to five
/// decimals (about a metre); the mean of its corners if sampling keeps missing.
fn point_inside(polygon: &[[f64; 2]], rng: &mut Rng) -> (f64, f64) {
    let round = |v: f64| (v * 1e5).round() / 1e5;
    let (mut w, mut s, mut e, mut n) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for [lon, lat] in polygon {
        (w, e) = (w.min(*lon), e.max(*lon));
        (s, n) = (s.min(*lat), n.max(*lat));
    }
    for _ in 0..64 {
        let (lon, lat) = (round(rng.range([w, e])), round(rng.range([s, n])));
        if inside(polygon, lon, lat) {
            return (lat, lon);
        }
    }
    let k = polygon.len().max(1) as f64;
    let lon = polygon.iter().map(|p| p[0]).sum::<f64>() / k;
    let lat = polygon.iter().map(|p| p[1]).sum::<f64>() / k;
    (round(lat), round(lon))
}

/// Ray casting: does the point lie inside the ring of `[lon, lat]` pairs?
fn inside(polygon: &[[f64; 2]], lon: f64, lat: f64) -> bool {
    let mut hit = false;
    let n = polygon.len();
    for i in 0..n {
        let ([x1, y1], [x2, y2]) = (polygon[i], polygon[(i + 1) % n]);
        if (y1 > lat) != (y2 > lat) && lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1) {
            hit = !hit;
        }
    }
    hit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_drawn_inside_a_polygon_stay_inside_it() {
        let triangle = vec![[108.0, 16.0], [108.2, 16.0], [108.0, 16.2]];
        let mut rng = Rng::new(1);
        for _ in 0..500 {
            let (lat, lon) = point_inside(&triangle, &mut rng);
            assert!(inside(&triangle, lon, lat), "{lat} {lon}");
            assert!(lat + (lon - 108.0) <= 16.2 + 1e-9);
        }
        assert!(!inside(&triangle, 108.15, 16.15));
    }
}
