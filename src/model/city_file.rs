//! The city layout as written in a city file: domains with their metric schemas, districts
//! with their polygons, and the sensor registry. `model::City` is built from it.

use serde::Deserialize;

/// The built-in demo city, used when `city.path` is empty.
pub const DEMO_CITY: &str = include_str!("../../config/city.toml");

impl CityConfig {
    /// The built-in demo city (Da Nang's districts), as the city file `config/city.toml` holds it.
    pub fn demo() -> Result<CityConfig, toml::de::Error> {
        CityConfig::parse(DEMO_CITY)
    }

    /// Parses the text of a city file: the same result, and the same errors, as
    /// `toml::from_str`. A big file's `[[sensors]]` tables are parsed in chunks, on up to as
    /// many threads as the machine has cores: the TOML parser keeps every key's text, spans and
    /// formatting until it is done (about 5 KiB per sensor, 5 GB for a million sensors), and a
    /// chunk's is freed as soon as its sensors are read. Anything the chunks cannot read alone
    /// (an error, or a file laid out otherwise) is parsed whole, so an error names the line
    /// of the whole file.
    pub fn parse(text: &str) -> Result<CityConfig, toml::de::Error> {
        match parse_in_chunks(text) {
            Some(cfg) => Ok(cfg),
            None => toml::from_str(text),
        }
    }
}

/// Sensor tables per chunk; a file with fewer than two chunks' worth is parsed whole.
const CHUNK_SENSORS: usize = 4_096;

/// A run of `[[sensors]]` tables and nothing else.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SensorTables {
    sensors: Vec<SensorConfig>,
}

/// The file parsed as its head (everything before the first `[[sensors]]` line) and chunks
/// of `[[sensors]]` tables, each split where a line is exactly `[[sensors]]`. `None` when any
/// part does not parse alone. Whenever every part does, the whole file means the same: such a
/// line outside a string always opens the next sensor table, and a split inside a multi-line
/// string or array leaves that part unterminated, which fails.
fn parse_in_chunks(text: &str) -> Option<CityConfig> {
    let mut starts = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end_matches(['\n', '\r']) == "[[sensors]]" {
            starts.push(at);
        }
        at += line.len();
    }
    if starts.len() < 2 * CHUNK_SENSORS {
        return None;
    }
    let mut cfg: CityConfig = toml::from_str(&text[..starts[0]]).ok()?;
    if !cfg.sensors.is_empty() {
        return None;
    }
    let bounds: Vec<usize> = starts
        .iter()
        .step_by(CHUNK_SENSORS)
        .copied()
        .chain([text.len()])
        .collect();
    let chunks: Vec<&str> = bounds.windows(2).map(|w| &text[w[0]..w[1]]).collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(chunks.len());
    let per_thread = chunks.len().div_ceil(threads);
    let parsed: Vec<Option<Vec<SensorConfig>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = chunks
            .chunks(per_thread)
            .map(|group| {
                scope.spawn(move || {
                    let mut sensors = Vec::new();
                    for chunk in group {
                        sensors.extend(toml::from_str::<SensorTables>(chunk).ok()?.sensors);
                    }
                    Some(sensors)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().ok().flatten())
            .collect()
    });
    cfg.sensors.reserve_exact(starts.len());
    for group in parsed {
        cfg.sensors.extend(group?);
    }
    Some(cfg)
}

fn default_timezone() -> String {
    super::DEFAULT_TIMEZONE.to_owned()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CityConfig {
    pub name: String,
    /// The IANA time zone of the city's calendar (local days, weeks and months in history and
    /// reports); default `Asia/Ho_Chi_Minh`.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    pub domains: Vec<DomainConfig>,
    pub districts: Vec<DistrictConfig>,
    #[serde(default)]
    pub sensors: Vec<SensorConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainConfig {
    pub name: String,
    pub metrics: Vec<MetricConfig>,
}

/// One metric of a domain: its unit and the range a plausible reading falls in.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricConfig {
    pub name: String,
    pub unit: String,
    pub min: f64,
    pub max: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistrictConfig {
    pub id: String,
    pub name: String,
    /// The outline as `[lon, lat]` pairs.
    pub polygon: Vec<[f64; 2]>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensorConfig {
    pub id: String,
    pub domain: String,
    pub district: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    /// How often the sensor is expected to report, in seconds.
    pub interval_s: u32,
    /// Traffic: the speed on this road when it is free (km/h); congestion is measured against it.
    #[serde(default)]
    pub free_flow_kmh: Option<f64>,
    /// Water level: warning levels I, II and III (cm), rising.
    #[serde(default)]
    pub warning_levels_cm: Option<[f64; 3]>,
    /// Public service: the wait a centre promises (s); the SLA is the share served within it.
    #[serde(default)]
    pub sla_target_s: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo city's head with `n` more sensors, `edit` applied to the text of sensor `i`.
    fn big_city(n: usize, edit: impl Fn(usize, String) -> String) -> String {
        let head = &DEMO_CITY[..DEMO_CITY.find("[[sensors]]").expect("sensors")];
        let mut text = head.to_owned();
        for i in 0..n {
            let sensor = format!(
                "[[sensors]]\nid = \"s-{i}\"\ndomain = \"traffic\"\ndistrict = \"hai-van\"\nname = \"Loop {i}\"\nlat = 16.1\nlon = 108.12\ninterval_s = 15\n\n"
            );
            text.push_str(&edit(i, sensor));
        }
        text
    }

    #[test]
    fn a_big_city_file_parses_in_chunks_to_what_it_means_whole() {
        let text = big_city(3 * CHUNK_SENSORS + 7, |_, s| s);
        let chunked = parse_in_chunks(&text).expect("chunked");
        let whole: CityConfig = toml::from_str(&text).expect("whole");
        assert_eq!(chunked.sensors.len(), 3 * CHUNK_SENSORS + 7);
        assert_eq!(format!("{chunked:?}"), format!("{whole:?}"));
    }

    #[test]
    fn an_error_deep_in_a_big_city_file_names_the_line_of_the_whole_file() {
        let text = big_city(3 * CHUNK_SENSORS, |i, s| {
            if i == 2 * CHUNK_SENSORS + 5 {
                s.replace("interval_s = 15", "interval_s = \"often\"")
            } else {
                s
            }
        });
        let whole = toml::from_str::<CityConfig>(&text).expect_err("whole");
        let parsed = CityConfig::parse(&text).expect_err("parsed");
        assert_eq!(parsed.to_string(), whole.to_string());
    }

    #[test]
    fn a_big_city_file_laid_out_otherwise_is_parsed_whole() {
        // A district after the sensors, and a `[[sensors]]` line inside a multi-line string.
        let mut text = big_city(2 * CHUNK_SENSORS + 1, |i, s| {
            if i == CHUNK_SENSORS + 3 {
                s.replace("name = \"Loop", "name = \"\"\"\n[[sensors]]\nLoop")
                    .replace("\"\nlat", "\"\"\"\nlat")
            } else {
                s
            }
        });
        let whole: CityConfig = toml::from_str(&text).expect("whole");
        assert_eq!(whole.sensors.len(), 2 * CHUNK_SENSORS + 1);
        assert_eq!(
            format!("{:?}", CityConfig::parse(&text).expect("parsed")),
            format!("{whole:?}")
        );
        text.push_str(
            "[[districts]]\nid = \"late\"\nname = \"Late\"\npolygon = [[1, 1], [2, 1], [2, 2]]\n",
        );
        let whole: CityConfig = toml::from_str(&text).expect("whole");
        let parsed = CityConfig::parse(&text).expect("parsed");
        assert_eq!(parsed.districts.len(), whole.districts.len());
        assert_eq!(format!("{parsed:?}"), format!("{whole:?}"));
    }
}
