//! Cities of other sizes, written to a file: the demo city with every sensor repeated
//! `factor` times (`--sizes`: ids suffixed `-x2`, `-x3`, …; same districts, domains and
//! intervals), or a synthetic city of a given sensor count (`--sensors`: `ioc-sim gen-city`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use ioc::config::{load, load_city, Overrides};
use ioc::model::City;

// The simulator's own generator, compiled into the bench: the `ioc` package cannot depend on
// the `simulators` crate (which depends on it). The file uses only std and `ioc::model`.
#[path = "../../simulators/src/city_file.rs"]
#[allow(dead_code)]
mod city_file;

const DEMO: &str = include_str!("../../config/city.toml");

/// Writes a synthetic city of `sensors` sensors (one district per 2,500 sensors, at least 12;
/// seed 1) into `dir` and returns its path, as `ioc-sim gen-city --sensors N` would write it.
pub fn generated(dir: &Path, sensors: usize) -> anyhow::Result<PathBuf> {
    let spec =
        city_file::CitySpec::new(sensors, city_file::CitySpec::default_districts(sensors), 1);
    let path = dir.join(format!("city-{sensors}-sensors.toml"));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    city_file::write_city(&spec, &mut out)?;
    std::io::Write::flush(&mut out)?;
    Ok(path)
}

/// Writes the scaled city into `dir` and returns its path; `factor` 1 is the demo city itself.
pub fn scaled(dir: &Path, factor: usize) -> anyhow::Result<Option<PathBuf>> {
    if factor <= 1 {
        return Ok(None);
    }
    let start = DEMO
        .find("[[sensors]]")
        .context("the demo city has sensors")?;
    let (head, sensors) = DEMO.split_at(start);
    let mut text = String::with_capacity(DEMO.len() * factor);
    text.push_str(head);
    text.push_str(sensors);
    for k in 2..=factor {
        for line in sensors.lines() {
            match line
                .strip_prefix("id = \"")
                .and_then(|r| r.strip_suffix('"'))
            {
                Some(id) => text.push_str(&format!("id = \"{id}-x{k}\"")),
                None => text.push_str(line),
            }
            text.push('\n');
        }
    }
    let path = dir.join(format!("city-x{factor}.toml"));
    std::fs::write(&path, text)?;
    Ok(Some(path))
}

/// Loads a city file (or the demo city) the way `ioc` does.
pub fn load_from(path: Option<&Path>) -> anyhow::Result<City> {
    let env = path
        .map(|p| vec![("IOC__CITY__PATH".to_owned(), p.display().to_string())])
        .unwrap_or_default();
    let settings = load(&Overrides { file: None, env })?;
    Ok(City::from_config(&load_city(&settings)?)?)
}
