//! Synthetic city files of any size (`ioc-sim gen-city`): the demo city's domains, districts
//! tiling a bounding box, and sensors in the demo city's mix, written as TOML in the format of
//! `config/city.toml`. Deterministic for a seed; streamed, so a million sensors need no more
//! memory than one.
//!
//! Self-contained (std and `ioc::model` only, its own SplitMix64): the end-to-end benchmark
//! includes this very file (`benches/e2e/city.rs`) to make its cities, since the `ioc`
//! package cannot depend on the simulator crate without a dependency cycle.

use std::io::{self, Write};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct CitySpec {
    pub name: String,
    pub sensors: usize,
    /// 1 to 10000 (what `ioc` accepts).
    pub districts: usize,
    pub seed: u64,
    /// `[west, south, east, north]` in degrees; the districts tile it.
    pub bbox: [f64; 4],
}

impl CitySpec {
    /// `sensors` sensors in `districts` districts over Đà Nẵng's bounding box.
    pub fn new(sensors: usize, districts: usize, seed: u64) -> CitySpec {
        CitySpec {
            name: format!("Synthetic city ({sensors} sensors)"),
            sensors,
            districts,
            seed,
            bbox: [108.10, 15.98, 108.28, 16.14],
        }
    }

    /// A district count that keeps about 2,500 sensors per district (12 at least, like the
    /// demo city; 10000 at most, what `ioc` accepts).
    pub fn default_districts(sensors: usize) -> usize {
        sensors.div_ceil(2_500).clamp(12, 10_000)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CitySpecError {
    #[error("--districts {0}: from 1 to 10000 districts")]
    Districts(usize),
    #[error(
        "--bbox {0:?}: west < east and south < north, longitudes -180..180, latitudes -90..90"
    )]
    Bbox([f64; 4]),
    #[error("the built-in demo city has no [[domains]] before its [[districts]]")]
    DemoDomains,
    #[error("writing the city file: {0}")]
    Io(#[from] io::Error),
}

/// One kind of sensor in the mix: id prefix, domain, reporting interval and label.
struct Kind {
    prefix: &'static str,
    domain: &'static str,
    interval_s: u32,
}

const TRAFFIC: Kind = Kind {
    prefix: "tl",
    domain: "traffic",
    interval_s: 15,
};
const AIR: Kind = Kind {
    prefix: "aq",
    domain: "environment",
    interval_s: 15,
};
const WATER: Kind = Kind {
    prefix: "wl",
    domain: "environment",
    interval_s: 60,
};
const QUEUE: Kind = Kind {
    prefix: "qs",
    domain: "public_service",
    interval_s: 30,
};

/// The demo city's mix per 24 sensors (12 traffic loops, 6 air stations, 2 water gauges,
/// 4 service centres), interleaved so that every run of 24 consecutive sensors, and so every
/// district, holds the whole mix.
const MIX: [&Kind; 24] = [
    &TRAFFIC, &AIR, &TRAFFIC, &QUEUE, &TRAFFIC, &AIR, &TRAFFIC, &WATER, &TRAFFIC, &AIR, &TRAFFIC,
    &QUEUE, &TRAFFIC, &AIR, &TRAFFIC, &QUEUE, &TRAFFIC, &AIR, &TRAFFIC, &WATER, &TRAFFIC, &AIR,
    &TRAFFIC, &QUEUE,
];

/// Roads of the demo city: traffic loops on one road in one district form a road segment for
/// the simulator's incidents (the demo scenario's jam is on Nguyễn Văn Linh).
const ROADS: [&str; 16] = [
    "Nguyễn Văn Linh",
    "Điện Biên Phủ",
    "Lê Duẩn",
    "Hùng Vương",
    "Trần Phú",
    "Bạch Đằng",
    "Ngô Quyền",
    "Võ Nguyên Giáp",
    "Nguyễn Tất Thành",
    "Tôn Đức Thắng",
    "Hoàng Diệu",
    "Lê Văn Hiến",
    "Phạm Văn Đồng",
    "Trường Chinh",
    "Cách Mạng Tháng Tám",
    "2 Tháng 9",
];
const CENTRES: [&str; 4] = [
    "Trung tâm Phục vụ hành chính công",
    "Bệnh viện quận",
    "Bộ phận một cửa phường",
    "Trạm y tế",
];

/// Messages per second the generated city sends when every sensor reports on time.
pub fn expected_rate(sensors: usize) -> f64 {
    (0..sensors)
        .map(|i| 1.0 / f64::from(MIX[i % MIX.len()].interval_s))
        .sum()
}

/// SplitMix64, as the simulator's generator uses it: the same file for the same seed.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[(self.next_u64() % from.len() as u64) as usize]
    }
}

/// A district's cell: `[west, south, east, north]`.
type Cell = [f64; 4];

/// Cells tiling `bbox`: `rows` rows (about square cells), each split evenly among its
/// districts; the first rows take one district more when they do not divide evenly.
fn cells(bbox: [f64; 4], n: usize) -> Vec<Cell> {
    let [w, s, e, north] = bbox;
    let rows = ((n as f64).sqrt().round() as usize).clamp(1, n);
    let (per_row, extra) = (n / rows, n % rows);
    let mut out = Vec::with_capacity(n);
    for r in 0..rows {
        let top = north - (north - s) * r as f64 / rows as f64;
        let bottom = north - (north - s) * (r + 1) as f64 / rows as f64;
        let k = per_row + usize::from(r < extra);
        for c in 0..k {
            let left = w + (e - w) * c as f64 / k as f64;
            let right = w + (e - w) * (c + 1) as f64 / k as f64;
            out.push([left, bottom, right, top]);
        }
    }
    out
}

/// Rounds to 5 decimals (about a metre), as the demo city's coordinates are.
fn deg(v: f64) -> f64 {
    (v * 1e5).round() / 1e5
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Writes the city file for `spec` to `out`.
pub fn write_city(spec: &CitySpec, out: &mut impl Write) -> Result<(), CitySpecError> {
    if spec.districts == 0 || spec.districts > 10_000 {
        return Err(CitySpecError::Districts(spec.districts));
    }
    let [w, s, e, n] = spec.bbox;
    let lon_ok = |v: f64| (-180.0..=180.0).contains(&v);
    let lat_ok = |v: f64| (-90.0..=90.0).contains(&v);
    if !(lon_ok(w) && lon_ok(e) && lat_ok(s) && lat_ok(n) && w < e && s < n) {
        return Err(CitySpecError::Bbox(spec.bbox));
    }
    let demo = ioc::model::DEMO_CITY;
    let domains = demo
        .find("[[domains]]")
        .zip(demo.find("[[districts]]"))
        .filter(|(a, b)| a < b)
        .map(|(a, b)| &demo[a..b])
        .ok_or(CitySpecError::DemoDomains)?;
    let width = spec.districts.to_string().len().max(3);
    writeln!(
        out,
        "# A synthetic city: {} sensors in {} districts (seed {}), the demo city's domains and mix.",
        spec.sensors, spec.districts, spec.seed
    )?;
    writeln!(
        out,
        "# Generated by `ioc-sim gen-city`; about {:.0} messages/s when every sensor reports on time.\n",
        expected_rate(spec.sensors)
    )?;
    writeln!(out, "name = {}\n", quote(&spec.name))?;
    out.write_all(domains.as_bytes())?;
    let cells = cells(spec.bbox, spec.districts);
    for (d, [w, s, e, n]) in cells.iter().enumerate() {
        let id = format!("d-{:0width$}", d + 1);
        writeln!(
            out,
            "[[districts]]\nid = {}\nname = {}\npolygon = [[{}, {}], [{}, {}], [{}, {}], [{}, {}]]\n",
            quote(&id),
            quote(&format!("District {}", d + 1)),
            deg(*w),
            deg(*n),
            deg(*e),
            deg(*n),
            deg(*e),
            deg(*s),
            deg(*w),
            deg(*s),
        )?;
    }
    write_sensors(spec, &cells, width, out)
}

/// Sensors in contiguous blocks per district, the mix interleaved within each.
fn write_sensors(
    spec: &CitySpec,
    cells: &[Cell],
    width: usize,
    out: &mut impl Write,
) -> Result<(), CitySpecError> {
    let mut rng = Rng(spec.seed ^ 0x1459_2023_0000_0000);
    let id_width = spec.sensors.to_string().len().max(5);
    let (per, extra) = (spec.sensors / cells.len(), spec.sensors % cells.len());
    let mut g = 0;
    for (d, [w, s, e, n]) in cells.iter().enumerate() {
        let district = format!("d-{:0width$}", d + 1);
        // Sensors stay off the cell's edges: a tenth of the cell on each side.
        let (dx, dy) = ((e - w) / 10.0, (n - s) / 10.0);
        for i in 0..per + usize::from(d < extra) {
            g += 1;
            let kind = MIX[(g - 1) % MIX.len()];
            let lat = deg(s + dy + (n - s - 2.0 * dy) * rng.f64());
            let lon = deg(w + dx + (e - w - 2.0 * dx) * rng.f64());
            let name = match kind.prefix {
                "tl" => format!("Vòng từ {} #{}", rng.pick(&ROADS), i + 1),
                "aq" => format!("Trạm quan trắc không khí {district} {}", i + 1),
                "wl" => format!("Trạm đo mực nước {district} {}", i + 1),
                _ => format!("{} {district} {}", CENTRES[i % CENTRES.len()], i + 1),
            };
            writeln!(
                out,
                "[[sensors]]\nid = \"{}-{g:0id_width$}\"\ndomain = \"{}\"\ndistrict = \"{district}\"\nname = {}\nlat = {lat}\nlon = {lon}\ninterval_s = {}",
                kind.prefix,
                kind.domain,
                quote(&name),
                kind.interval_s,
            )?;
            match kind.prefix {
                "tl" => writeln!(
                    out,
                    "free_flow_kmh = {}",
                    rng.pick(&[40, 50, 50, 60, 60, 70])
                )?,
                "wl" => {
                    let base = rng.pick(&[120, 150, 180]);
                    writeln!(
                        out,
                        "warning_levels_cm = [{base}, {}, {}]",
                        base + 50,
                        base + 100
                    )?
                }
                "qs" => writeln!(
                    out,
                    "sla_target_s = {}",
                    if name.starts_with("Bệnh viện") {
                        1800
                    } else {
                        900
                    }
                )?,
                _ => {}
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

/// The whole city file as a string (tests and small cities).
pub fn city_text(spec: &CitySpec) -> Result<String, CitySpecError> {
    let mut buf = Vec::new();
    write_city(spec, &mut buf)?;
    // unwrap-free: every piece written is UTF-8 (format! strings and the demo city's text).
    String::from_utf8(buf).map_err(|e| CitySpecError::Io(io::Error::other(e)))
}
