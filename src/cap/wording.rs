//! The words of one warning in one language: its headline, its description (the value, what
//! it means, where and when) and its parameters, from the alert and the city registry.

use super::hazard::{Hazard, Lang};
use super::time::readable;
use crate::alerts::{Alert, Subject};
use crate::indicators::air::{water_alert, WaterAlert};
use crate::indicators::aqi::VnCategory;
use crate::model::City;

/// What the words are made of, gathered once per alert.
pub(super) struct Facts<'a> {
    pub(super) alert: &'a Alert,
    pub(super) hazard: Hazard,
    /// The district's name, or the city's for a city-wide alert.
    pub(super) area: &'a str,
    /// The station that measured the value, for an alert about one sensor.
    station: Option<&'a str>,
    /// The metric's unit, when the signal is a metric of the alert's domain.
    unit: Option<&'a str>,
    /// For a water gauge with warning levels: the level the value reached (I, II, III) and
    /// where that level begins (cm).
    water: Option<(&'static str, f64)>,
}

impl<'a> Facts<'a> {
    pub(super) fn of(alert: &'a Alert, city: &'a City) -> Facts<'a> {
        let (sensor, station) = match &alert.subject {
            Subject::Sensor(id) => {
                let sensor = city.sensor(id);
                (sensor, Some(sensor.map_or(&**id, |s| s.name.as_str())))
            }
            Subject::District(_) | Subject::City => (None, None),
        };
        let unit = city
            .domain_idx(&alert.domain)
            .and_then(|d| city.metric_idx(d, &alert.signal))
            .map(|m| city.metric(m).unit.as_str());
        let water = sensor
            .and_then(|s| s.warning_levels_cm)
            .filter(|_| alert.signal == "water_level_cm")
            .and_then(|levels| level_reached(alert.value, levels));
        Facts {
            alert,
            hazard: Hazard::of(&alert.signal, &alert.domain),
            area: super::area_name(alert, city),
            station,
            unit,
            water,
        }
    }

    /// `Cảnh báo ngập lụt – Hải Châu: mực nước 362 cm`; once ended, `Đã kết thúc: …`.
    pub(super) fn headline(&self, ended: bool, lang: Lang) -> String {
        let warning = self.hazard.warning(lang);
        let value = self.value(lang);
        let what = match self.alert.signal.as_str() {
            "water_level_cm" => format!("{} {value}", lang.pick("mực nước", "water level")),
            "vn_aqi" => format!("VN_AQI {value}"),
            signal => format!("{signal} {value}"),
        };
        match (ended, lang) {
            (false, _) => format!("{warning} – {}: {what}", self.area),
            (true, Lang::Vi) => format!("Đã kết thúc: {warning} – {}", self.area),
            (true, Lang::En) => format!("Ended: {warning} – {}", self.area),
        }
    }

    /// What was measured, where, when (`at`, a CAP time) and what it means; for an ended
    /// warning, when it ended (`at`) and the value then.
    pub(super) fn description(&self, ended: bool, at: &str, lang: Lang) -> String {
        let when = readable(at, lang);
        let (what, value, place) = (self.subject(lang), self.value(lang), self.place());
        if ended {
            return match lang {
                Lang::Vi => format!(
                    "Cảnh báo đã kết thúc lúc {when}: {} tại {place} còn {value}.",
                    lowercase_first(&what)
                ),
                Lang::En => format!(
                    "The warning ended at {when}: {} at {place} is down to {value}.",
                    lowercase_first(&what)
                ),
            };
        }
        let mut text = match lang {
            Lang::Vi => format!("{what} tại {place} là {value} lúc {when}"),
            Lang::En => format!("{what} at {place} was {value} at {when}"),
        };
        if let Some((level, from)) = self.water {
            let from = number(from);
            text.push_str(&match lang {
                Lang::Vi => format!(", đạt mức báo động {level} ({from} cm)"),
                Lang::En => format!(", at or above warning level {level} ({from} cm)"),
            });
        }
        text.push('.');
        if lang == Lang::En {
            text.push_str(&format!(
                " Rule: {}.",
                self.alert.title.trim_end_matches('.')
            ));
        }
        text
    }

    /// CAP `parameter`s: the signal's value, named `VN_AQI` for the air-quality index and
    /// by the signal otherwise (`water_level_cm`), and for a water gauge the warning level
    /// reached (`warning_level`: I, II or III).
    pub(super) fn parameters(&self) -> Vec<(String, String)> {
        let mut out = vec![match self.aqi() {
            Some(aqi) => ("VN_AQI".to_owned(), aqi.to_string()),
            None => (self.alert.signal.clone(), number(self.alert.value)),
        }];
        if let Some((level, _)) = self.water {
            out.push(("warning_level".to_owned(), level.to_owned()));
        }
        out
    }

    /// The measured quantity, as a sentence starts with it.
    fn subject(&self, lang: Lang) -> String {
        match self.alert.signal.as_str() {
            "water_level_cm" => lang.pick("Mực nước", "The water level").to_owned(),
            "vn_aqi" => lang
                .pick(
                    "Chỉ số chất lượng không khí VN_AQI",
                    "The VN_AQI air-quality index",
                )
                .to_owned(),
            signal => signal.to_owned(),
        }
    }

    /// The value with its unit, or with its VN_AQI category.
    fn value(&self, lang: Lang) -> String {
        if let Some(aqi) = self.aqi() {
            let category = VnCategory::from_aqi(aqi);
            return format!(
                "{aqi} ({})",
                lang.pick(category.label_vi(), category.label_en())
            );
        }
        let v = number(self.alert.value);
        match self.unit {
            Some(unit) if !unit.is_empty() => format!("{v} {unit}"),
            _ => v,
        }
    }

    /// The VN_AQI, an integer index, for an alert on it.
    fn aqi(&self) -> Option<u16> {
        // The cast saturates (NaN is 0); the clamp says so.
        (self.alert.signal == "vn_aqi")
            .then(|| self.alert.value.round().clamp(0.0, f64::from(u16::MAX)) as u16)
    }

    /// The station and its area, or the area.
    fn place(&self) -> String {
        match self.station {
            Some(station) => format!("{station} ({})", self.area),
            None => self.area.to_owned(),
        }
    }
}

/// The warning level `value` reached on a gauge with `levels` I, II, III, and where it begins.
fn level_reached(value: f64, levels: [f64; 3]) -> Option<(&'static str, f64)> {
    match water_alert(value, levels) {
        WaterAlert::Normal => None,
        WaterAlert::LevelI => Some(("I", levels[0])),
        WaterAlert::LevelII => Some(("II", levels[1])),
        WaterAlert::LevelIII => Some(("III", levels[2])),
    }
}

/// At most one decimal, none when it is `.0`: `362`, `2.5`.
fn number(v: f64) -> String {
    let text = format!("{v:.1}");
    match text.strip_suffix(".0") {
        Some(whole) => whole.to_owned(),
        None => text,
    }
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
