//! `ioc import FILE…`: the store opened as the server opens it, the live decoder's settings,
//! then `ioc::import` (blocking; no async runtime). The summary goes to stdout, the progress
//! bar to stderr.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use ioc::config::{load_city, Settings};
use ioc::import::{Format, Importer, Options, Precision, Resumed};
use ioc::model::{City, DecoderLimits};
use ioc::pipeline::Validator;
use ioc::store::SqliteStore;

#[derive(Args)]
pub struct ImportArgs {
    /// The files' format; by default each file's extension says (.jsonl, .csv, .lp).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// The unit of line-protocol timestamps (ioc's exporter writes ms; InfluxDB exports ns).
    #[arg(long, value_enum, default_value = "ms")]
    precision: Precision,
    /// Import files again that an earlier run finished (readings already stored are counted
    /// as duplicates and stored once).
    #[arg(long)]
    again: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// JSONL recordings (`ioc-sim record`), CSV (`sensor,metric,ts,value`) or line protocol.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

pub fn run(settings: &Settings, args: ImportArgs) -> anyhow::Result<()> {
    let city = Arc::new(City::from_config(&load_city(settings)?)?);
    let owned = settings.cluster.owned(&city)?;
    let s = &settings.store;
    let store = SqliteStore::open(&s.path, city.clone(), s.retention(), s.durable_fsync())?;
    let limits = DecoderLimits {
        topic_prefix: settings.mqtt.topic_prefix.clone(),
        max_payload_bytes: settings.ingest.max_payload_bytes,
        max_batch_readings: settings.ingest.max_batch_readings,
        max_future_skew_ms: settings.ingest.max_future_skew_s as i64 * 1000,
    };
    let validator = Validator::new(city, limits, settings.ingest.max_unregistered_sensors);
    let options = Options {
        format: args.format,
        precision: args.precision,
        again: args.again,
        progress: !args.quiet,
    };
    let mut importer = Importer::new(&store, validator, options, ioc::shell::now_ms())?;
    if owned.iter().any(|o| !o) {
        importer = importer.only_districts(owned);
    }
    let started = std::time::Instant::now();
    let reports = importer.run(&args.files, |r| {
        let how = match r.resumed {
            Resumed::Fresh => String::new(),
            Resumed::After { lines } => format!(" (resumed after line {lines})"),
            Resumed::AlreadyDone => " (already imported; --again imports it anew)".into(),
            Resumed::Changed => " (changed since an earlier import; read from the start)".into(),
        };
        println!("{}{how}: {}", r.file.display(), r.tally);
    })?;
    let mut total = ioc::import::Tally::default();
    for r in &reports {
        total.add(&r.tally);
    }
    let secs = started.elapsed().as_secs_f64();
    println!("imported {} files in {secs:.1} s: {total}", reports.len());
    Ok(())
}
