//! Cities of other sizes: the demo city with every sensor repeated `factor` times (ids
//! suffixed `-x2`, `-x3`, …; same districts, domains and intervals), written to a file.

use std::path::{Path, PathBuf};

use anyhow::Context;
use ioc::config::{load, load_city, Overrides};
use ioc::model::City;

const DEMO: &str = include_str!("../../config/city.toml");

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
