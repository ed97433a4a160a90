//! One line of an import file to the MQTT message it stands for: the topic and payload live
//! ingest would have received, so every reading passes the live decoder. Pure.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use serde_json::{Map, Number, Value};

use super::lp::{self, FieldValue};
use super::Format;
use crate::pipeline::Validator;

/// A line that is not a reading in the file's format.
pub const MALFORMED_LINE: &str = "malformed_line";
/// A CSV or line-protocol row of a sensor neither the city file nor the store knows: such rows
/// name no domain or district, so the reading has nowhere to go.
pub const UNKNOWN_SENSOR: &str = "unknown_sensor";

/// What a line stands for.
#[derive(Debug, PartialEq)]
pub enum Line {
    /// Blank, a `#` comment, or a CSV header.
    Skip,
    Message {
        topic: String,
        payload: Vec<u8>,
        received_ms: i64,
    },
    /// Rejected before the decoder, with an import reason and what to fix.
    Bad {
        reason: &'static str,
        detail: String,
    },
}

/// Line-protocol timestamps: nanoseconds by InfluxDB's default, milliseconds as ioc exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Precision {
    Ns,
    Us,
    Ms,
    S,
}

impl Precision {
    fn to_ms(self, t: i64) -> i64 {
        match self {
            Precision::Ns => t.div_euclid(1_000_000),
            Precision::Us => t.div_euclid(1_000),
            Precision::Ms => t,
            Precision::S => t.saturating_mul(1_000),
        }
    }
}

/// Parses the lines of one file, in order (a CSV header sets the column order).
pub struct Parser {
    format: Format,
    precision: Precision,
    /// When CSV and LP rows count as received: their `ts` is checked against it.
    now_ms: i64,
    /// Positions of sensor, metric, ts and value in a CSV row.
    columns: [usize; 4],
    first: bool,
}

#[derive(Deserialize)]
struct Recorded {
    at_ms: i64,
    topic: String,
    payload: Option<String>,
    payload_b64: Option<String>,
}

const CSV_HEADER: [&str; 4] = ["sensor", "metric", "ts", "value"];

impl Parser {
    pub fn new(format: Format, precision: Precision, now_ms: i64) -> Self {
        Parser {
            format,
            precision,
            now_ms,
            columns: [0, 1, 2, 3],
            first: true,
        }
    }

    pub fn line(&mut self, text: &str, validator: &Validator) -> Line {
        let text = text.trim_end_matches(['\r', '\n']);
        if text.trim().is_empty() || text.starts_with('#') {
            return Line::Skip;
        }
        let first = std::mem::replace(&mut self.first, false);
        if self.format == Format::Csv && first && self.header(text) {
            return Line::Skip;
        }
        match self.format {
            Format::Jsonl => jsonl(text),
            Format::Csv => self.csv(text, validator),
            Format::Lp => self.lp(text, validator),
        }
    }

    /// Takes a first CSV row naming the four columns as the header (an import resumed past it
    /// reads it again first).
    pub fn header(&mut self, text: &str) -> bool {
        let names: Vec<String> = text.split(',').map(|c| field(c).to_lowercase()).collect();
        let found = CSV_HEADER.map(|want| names.iter().position(|n| n == want));
        match found {
            [Some(s), Some(m), Some(t), Some(v)] => {
                self.columns = [s, m, t, v];
                true
            }
            _ => false,
        }
    }

    fn csv(&self, text: &str, validator: &Validator) -> Line {
        let cells: Vec<&str> = text.split(',').map(field).collect();
        let get = |i: usize| cells.get(self.columns[i]).copied();
        let (Some(sensor), Some(metric), Some(ts), Some(value)) = (get(0), get(1), get(2), get(3))
        else {
            return bad(format!(
                "a CSV row has the columns sensor,metric,ts,value; this one has {}",
                cells.len()
            ));
        };
        let Some(topic) = topic_of(sensor, None, None, validator) else {
            return unknown_sensor(sensor);
        };
        let ts = match ts.parse::<i64>() {
            Ok(ms) => Value::from(ms),
            Err(_) => Value::from(ts),
        };
        let value = number(value).unwrap_or_else(|| Value::from(value));
        self.message(topic, ts, [(metric.to_owned(), value)].into_iter())
    }

    fn lp(&self, text: &str, validator: &Validator) -> Line {
        let point = match lp::parse(text) {
            Ok(p) => p,
            Err(why) => return bad(why),
        };
        let Some(ts) = point.timestamp else {
            return bad("the line has no timestamp; an imported reading needs its time".into());
        };
        let Some(sensor) = point.tag("sensor") else {
            return bad(
                "the line has no sensor tag (measurement,district=…,sensor=… fields time)".into(),
            );
        };
        let Some(topic) = topic_of(
            sensor,
            Some(&point.measurement),
            point.tag("district"),
            validator,
        ) else {
            return unknown_sensor(sensor);
        };
        let fields = point.fields.into_iter().map(|(k, v)| {
            let v = match v {
                FieldValue::Number(n) => Number::from_f64(n).map_or(Value::Null, Value::Number),
                FieldValue::Other(s) => Value::from(s),
            };
            (k, v)
        });
        self.message(topic, Value::from(self.precision.to_ms(ts)), fields)
    }

    fn message(
        &self,
        topic: String,
        ts: Value,
        fields: impl Iterator<Item = (String, Value)>,
    ) -> Line {
        let mut record = Map::new();
        for (name, value) in fields {
            if name == "ts" || name == "seq" {
                return bad(format!("{name:?} is not a metric name"));
            }
            record.insert(name, value);
        }
        record.insert("ts".into(), ts);
        Line::Message {
            topic,
            payload: Value::Object(record).to_string().into_bytes(),
            received_ms: self.now_ms,
        }
    }
}

fn jsonl(text: &str) -> Line {
    let r: Recorded = match serde_json::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            return bad(format!(
                "not a recording line ({e}); expected {{\"at_ms\", \"topic\", \"payload\" or \"payload_b64\"}} as ioc-sim record writes"
            ))
        }
    };
    let payload = match (r.payload, r.payload_b64) {
        (Some(p), _) => p.into_bytes(),
        (None, Some(b)) => match STANDARD.decode(b) {
            Ok(p) => p,
            Err(e) => return bad(format!("payload_b64 is not base64: {e}")),
        },
        (None, None) => return bad("the line has neither payload nor payload_b64".into()),
    };
    Line::Message {
        topic: r.topic,
        payload,
        received_ms: r.at_ms,
    }
}

/// The topic of `sensor`: where the city file registers it, else where the store first filed
/// it, else where the row itself says (line protocol's measurement and district tag).
fn topic_of(
    sensor: &str,
    domain: Option<&str>,
    district: Option<&str>,
    validator: &Validator,
) -> Option<String> {
    let city = validator.city();
    let home = match city.sensor(sensor) {
        Some(s) => Some((s.domain, s.district)),
        None => validator.home(sensor),
    };
    match (home, domain, district) {
        (Some((d, k)), _, _) if domain.is_none() || district.is_none() => {
            Some(validator.topic(&city.domain(d).name, &city.district(k).id, sensor))
        }
        (_, Some(domain), Some(district)) => Some(validator.topic(domain, district, sensor)),
        _ => None,
    }
}

fn number(text: &str) -> Option<Value> {
    let v = text.parse::<f64>().ok()?;
    Number::from_f64(v).map(Value::Number)
}

/// A CSV cell without its surrounding blanks and quotes.
fn field(cell: &str) -> &str {
    cell.trim().trim_matches('"')
}

fn bad(detail: String) -> Line {
    Line::Bad {
        reason: MALFORMED_LINE,
        detail,
    }
}

fn unknown_sensor(sensor: &str) -> Line {
    Line::Bad {
        reason: UNKNOWN_SENSOR,
        detail: format!(
            "sensor {:?} is neither in the city file nor in the store, and the row names no domain and district",
            crate::model::truncate(sensor, 64)
        ),
    }
}
