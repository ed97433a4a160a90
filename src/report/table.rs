//! A report as typed tables: columns with Vietnamese and English headers and units, rows of
//! typed cells; written as JSON and CSV here, as XLSX in `xlsx.rs`.

use serde::Serialize;
use serde_json::{Map, Value};

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Num(f64),
    Null,
}

impl Cell {
    pub fn num(v: Option<f64>) -> Cell {
        v.filter(|v| v.is_finite())
            .map_or(Cell::Null, |v| Cell::Num(round(v)))
    }

    pub fn int(v: Option<i64>) -> Cell {
        v.map_or(Cell::Null, Cell::Int)
    }

    pub fn text(v: impl Into<String>) -> Cell {
        Cell::Text(v.into())
    }

    fn json(&self) -> Value {
        match self {
            Cell::Text(s) => Value::from(s.as_str()),
            Cell::Int(i) => Value::from(*i),
            Cell::Num(n) => Value::from(*n),
            Cell::Null => Value::Null,
        }
    }

    fn csv(&self) -> String {
        match self {
            Cell::Text(s) => csv_text(s),
            Cell::Int(i) => i.to_string(),
            Cell::Num(n) => n.to_string(),
            Cell::Null => String::new(),
        }
    }
}

/// Figures keep 3 decimals: a report is read by people, and 3 keep every unit exact enough.
fn round(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// A text cell, quoted when it holds a comma, a quote or a line break.
fn csv_text(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// One column: its key (the JSON name and the CSV header), headers in both languages, unit.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Column {
    pub key: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
    pub unit: &'static str,
}

pub const fn col(
    key: &'static str,
    vi: &'static str,
    en: &'static str,
    unit: &'static str,
) -> Column {
    Column { key, vi, en, unit }
}

/// One table of a report (one sheet of its XLSX).
#[derive(Debug, Clone)]
pub struct Section {
    /// The key of its rows in the JSON (`rows` for the main one) and its sheet's name.
    pub key: &'static str,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

impl Section {
    /// The rows as objects keyed by column.
    fn json_rows(&self) -> Value {
        Value::Array(
            self.rows
                .iter()
                .map(|r| {
                    let m: Map<String, Value> = self
                        .columns
                        .iter()
                        .zip(r)
                        .map(|(c, v)| (c.key.to_owned(), v.json()))
                        .collect();
                    Value::Object(m)
                })
                .collect(),
        )
    }
}

/// A whole report.
#[derive(Debug, Clone)]
pub struct Report {
    pub kind: &'static str,
    /// `YYYY-MM-DD` or `YYYY-MM`.
    pub period: String,
    pub district: Option<String>,
    pub tz: String,
    /// `[from, to)`, unix ms.
    pub from: i64,
    pub to: i64,
    pub generated_at: i64,
    /// The main section (`rows`) first.
    pub sections: Vec<Section>,
    /// Where the figures' rules come from (docs/reports.md).
    pub notes: &'static str,
    /// On a partition: the districts in scope another partition owns, not covered here.
    pub elsewhere: Vec<String>,
}

impl Report {
    pub fn to_json(&self) -> Value {
        let mut out = serde_json::json!({
            "kind": self.kind,
            "period": self.period,
            "district": self.district,
            "tz": self.tz,
            "from": self.from,
            "to": self.to,
            "generated_at": self.generated_at,
            "notes": self.notes,
        });
        if !self.elsewhere.is_empty() {
            out["elsewhere"] = serde_json::json!(self.elsewhere);
        }
        for s in &self.sections {
            out[s.key] = s.json_rows();
            out["columns"][s.key] = serde_json::to_value(&s.columns).unwrap_or(Value::Null);
        }
        out
    }

    /// The main section: a header of column keys, then one line per row.
    pub fn to_csv(&self) -> String {
        let Some(main) = self.sections.first() else {
            return String::new();
        };
        let mut out = main
            .columns
            .iter()
            .map(|c| c.key)
            .collect::<Vec<_>>()
            .join(",");
        out.push('\n');
        for r in &main.rows {
            out.push_str(&r.iter().map(Cell::csv).collect::<Vec<_>>().join(","));
            out.push('\n');
        }
        out
    }
}
