//! InfluxDB line protocol, as `ioc`'s exporter writes it and InfluxDB exports it:
//! `measurement[,tag=value…] field=value[,field=value…] [timestamp]`. Pure.

/// A field's value as written: a number (`1.5`, `12i`, `7u`), or anything else kept as text so
/// the decoder rejects it with its reason (`non_numeric_value`).
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Number(f64),
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub measurement: String,
    pub tags: Vec<(String, String)>,
    pub fields: Vec<(String, FieldValue)>,
    pub timestamp: Option<i64>,
}

impl Point {
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses one line (without its newline).
pub fn parse(line: &str) -> Result<Point, String> {
    let parts = split_unescaped(line, ' ', true);
    let (series, fields, ts) = match parts.as_slice() {
        [s, f] => (s, f, None),
        [s, f, t] => (s, f, Some(t)),
        [_] => return Err("a line protocol line needs fields after the measurement".into()),
        _ => return Err("a line protocol line has at most three space-separated parts: series, fields, timestamp".into()),
    };
    let mut series = split_unescaped(series, ',', false).into_iter();
    let measurement = unescape(&series.next().unwrap_or_default());
    if measurement.is_empty() {
        return Err("the measurement is empty".into());
    }
    let tags = series
        .map(|t| pair(&t).map(|(k, v)| (k, unescape(&v))))
        .collect::<Result<Vec<_>, _>>()?;
    let fields = split_unescaped(fields, ',', true)
        .into_iter()
        .map(|f| pair(&f).map(|(k, v)| (k, field_value(&v))))
        .collect::<Result<Vec<_>, _>>()?;
    let timestamp = match ts {
        None => None,
        Some(t) => Some(
            t.parse::<i64>()
                .map_err(|_| format!("timestamp {t:?} is not an integer"))?,
        ),
    };
    Ok(Point {
        measurement,
        tags,
        fields,
        timestamp,
    })
}

fn pair(text: &str) -> Result<(String, String), String> {
    let parts = split_unescaped(text, '=', false);
    match parts.as_slice() {
        [k, v] if !k.is_empty() => Ok((unescape(k), v.clone())),
        _ => Err(format!("{text:?} is not key=value")),
    }
}

fn field_value(raw: &str) -> FieldValue {
    let number = raw
        .strip_suffix(['i', 'u'])
        .unwrap_or(raw)
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite());
    match number {
        Some(v) => FieldValue::Number(v),
        None => FieldValue::Other(raw.trim_matches('"').to_owned()),
    }
}

/// Splits on `sep` outside backslash escapes (kept, for [`unescape`]) and, when `quotes`,
/// outside double-quoted strings (field values).
fn split_unescaped(text: &str, sep: char, quotes: bool) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let (mut escaped, mut quoted) = (false, false);
    for c in text.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if quotes && c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            parts.push(std::mem::take(&mut current));
            continue;
        }
        current.push(c);
    }
    parts.push(current);
    parts
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(n @ (',' | ' ' | '=' | '\\' | '"'))) => {
                out.push(n);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}
