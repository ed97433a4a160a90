//! How long `ioc` takes to read and validate big city files: a program that prints numbers,
//! never a test that asserts timings.
//!
//! ```text
//! cargo run --release -p simulators --example city_load -- 10000 100000 1000000
//! ```
//!
//! For each sensor count: `gen-city` writes the file (one district per 2,500 sensors), then
//! the path `ioc` takes at start (`config::load_city`: read and TOML-parse; then
//! `City::from_config`: validate and index) is timed, wall clock and CPU (all threads: a big
//! file is parsed on every core), with the process's peak RSS.

use std::time::Instant;

use anyhow::Context;
use ioc::config::{load, load_city, Overrides};
use ioc::model::City;
use simulators::city_file::{write_city, CitySpec};

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// User + system CPU seconds of this process so far (all threads), from `/proc/self/stat`.
fn cpu_s() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let fields: Vec<u64> = s
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .skip(11)
                .take(2)
                .map(|v| v.parse().ok())
                .collect::<Option<_>>()?;
            Some(fields.iter().sum::<u64>() as f64 / 100.0)
        })
        .unwrap_or(0.0)
}

fn main() -> anyhow::Result<()> {
    let sizes: Vec<usize> = match std::env::args().skip(1).collect::<Vec<_>>() {
        a if a.is_empty() => vec![10_000, 100_000],
        a => a
            .iter()
            .map(|s| s.parse().with_context(|| format!("{s:?} is not a count")))
            .collect::<anyhow::Result<_>>()?,
    };
    let dir = tempfile::tempdir()?;
    println!("| sensors | districts | file MiB | generate s | read + parse s | validate s | load total s | load CPU s | peak RSS MiB |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let spec = CitySpec::new(n, CitySpec::default_districts(n), 1);
        let path = dir.path().join(format!("city-{n}.toml"));
        let t = Instant::now();
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path)?);
        write_city(&spec, &mut w)?;
        std::io::Write::flush(&mut w)?;
        drop(w);
        let generate = t.elapsed().as_secs_f64();
        let size = std::fs::metadata(&path)?.len() as f64 / 1048576.0;
        let settings = load(&Overrides {
            file: None,
            env: vec![("IOC__CITY__PATH".into(), path.display().to_string())],
        })?;
        let (t, cpu0) = (Instant::now(), cpu_s());
        let cfg = load_city(&settings)?;
        let parse = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let city = City::from_config(&cfg)?;
        let validate = t.elapsed().as_secs_f64();
        let cpu = cpu_s() - cpu0;
        anyhow::ensure!(
            city.sensors.len() == n,
            "{} sensors loaded",
            city.sensors.len()
        );
        println!(
            "| {n} | {} | {size:.1} | {generate:.2} | {parse:.2} | {validate:.3} | {:.2} | {cpu:.2} | {:.0} |",
            spec.districts,
            parse + validate,
            peak_rss_mib(),
        );
        drop((city, cfg));
        std::fs::remove_file(&path)?;
    }
    Ok(())
}
