//! `ioc-sim`: flags → logging → ioc's config (city, prefix, credentials) → one command
//! (`gen-city` and `hook` need no config).

use std::io::{BufWriter, Write};
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Parser;
use ioc::config::{load, load_city, Overrides, Settings};
use ioc::model::{parse_rfc3339_ms, City};
use rumqttc::QoS;
use simulators::city_file::{expected_rate, write_city, CitySpec};
use simulators::cli::{
    Cli, Command, Connection, GenCityArgs, HookArgs, Pace, RecordArgs, ReplayArgs, RunArgs,
};
use simulators::pacing::wall_clock_ms;
use simulators::pacing::Pacing;
use simulators::record::Recorder;
use simulators::run::{resolve_start, RunPlan, Target};
use simulators::scenario::Scenario;
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_new(&cli.log).context("--log")?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    if let Command::GenCity(args) = &cli.command {
        // A city file needs none of ioc's settings.
        return gen_city(args);
    }
    if let Command::Hook(args) = &cli.command {
        // Nor does the webhook receiver.
        return hook(args).await;
    }
    let settings = load(&Overrides {
        file: cli.config.clone(),
        env: std::env::vars().collect(),
    })
    .context("ioc configuration")?;
    let stop = CancellationToken::new();
    let on_signal = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("interrupted: finishing");
            on_signal.cancel();
        }
    });
    let progress = !cli.no_progress;
    match cli.command {
        Command::Run(args) => run(args, &settings, progress, &stop).await,
        Command::Record(args) => record(args, &settings, progress, &stop).await,
        Command::Replay(args) => replay(args, &settings, progress, &stop).await,
        Command::GenCity(args) => gen_city(&args),
        Command::Hook(args) => hook(&args).await,
    }
}

async fn hook(args: &HookArgs) -> anyhow::Result<()> {
    if args.secret.is_empty() {
        bail!("the secret is empty: give --secret or IOC_SIM_HOOK_SECRET, the value of ioc's notify.webhook_secret");
    }
    let listener = std::net::TcpListener::bind(&args.listen)
        .with_context(|| format!("listen on {}", args.listen))?;
    let addr = listener.local_addr().context("listening address")?;
    let stop = CancellationToken::new();
    let on_signal = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.cancel();
        }
    });
    tracing::info!("hook: taking ioc's signed notifications on http://{addr}/ (any path)");
    let hook = simulators::hook::Hook::to_terminal(args.secret.clone().into_bytes());
    simulators::hook::serve(listener, hook, stop)
        .await
        .context("hook server")
}

fn gen_city(args: &GenCityArgs) -> anyhow::Result<()> {
    let mut spec = CitySpec::new(
        args.sensors,
        args.districts
            .unwrap_or_else(|| CitySpec::default_districts(args.sensors)),
        args.seed,
    );
    if let Some(name) = &args.name {
        spec.name.clone_from(name);
    }
    if let Some(b) = args.bbox {
        spec.bbox = b.0;
    }
    match &args.out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("create {}", path.display()))?;
            let mut w = BufWriter::new(file);
            write_city(&spec, &mut w)?;
            w.flush()
                .with_context(|| format!("write {}", path.display()))?;
        }
        None => {
            let mut w = BufWriter::new(std::io::stdout().lock());
            write_city(&spec, &mut w)?;
            w.flush().context("write to standard output")?;
        }
    }
    tracing::info!(
        sensors = spec.sensors,
        districts = spec.districts,
        msgs_per_s = format!("{:.0}", expected_rate(spec.sensors)),
        "city file written"
    );
    Ok(())
}

fn mqtt_options(
    settings: &Settings,
    c: &Connection,
    command: &str,
) -> anyhow::Result<rumqttc::MqttOptions> {
    let id = c
        .client_id
        .clone()
        .unwrap_or_else(|| format!("ioc-sim-{command}-{}", std::process::id()));
    Ok(simulators::mqtt::options(&settings.mqtt, &c.broker, &id)?)
}

fn pacing(p: &Pace) -> Pacing {
    Pacing {
        speed: (!p.as_fast_as_possible).then_some(p.speed),
        max_rate: (p.max_rate > 0.0).then_some(p.max_rate),
    }
}

fn qos(p: &Pace) -> QoS {
    if p.qos == 0 {
        QoS::AtMostOnce
    } else {
        QoS::AtLeastOnce
    }
}

async fn run(
    args: RunArgs,
    settings: &Settings,
    progress: bool,
    stop: &CancellationToken,
) -> anyhow::Result<()> {
    let mut scenario = match &args.scenario {
        Some(path) => Scenario::from_file(path)?,
        None => Scenario::demo()?,
    };
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    for f in &args.faults {
        let (name, rate) = f
            .split_once('=')
            .context("--fault takes NAME=SHARE, e.g. malformed=0.01")?;
        let rate: f64 = rate
            .parse()
            .with_context(|| format!("--fault {f}: {rate:?} is not a number"))?;
        if !(0.0..1.0).contains(&rate) {
            bail!("--fault {f}: the share must be from 0 to below 1");
        }
        scenario
            .faults
            .set_rate(name, rate)
            .map_err(anyhow::Error::msg)?;
    }
    let explicit = match args.start.as_deref().or(scenario.start.as_deref()) {
        Some(s) => {
            Some(parse_rfc3339_ms(s).with_context(|| format!("start {s:?} is not RFC 3339"))?)
        }
        None => None,
    };
    let pace = pacing(&args.pace);
    let accelerated = pace.speed.is_none_or(|s| s > 1.0) || args.out.is_some();
    let catch_up = args.catch_up.unwrap_or(scenario.catch_up_s);
    let (start_ms, anchor_ms) = resolve_start(
        explicit,
        wall_clock_ms(),
        catch_up,
        accelerated,
        args.duration,
    );
    if accelerated && explicit.is_none() && args.duration.is_none() && args.out.is_none() {
        tracing::warn!("accelerated run without --duration: readings will be stamped ahead of the clock, and ioc rejects those beyond ingest.max_future_skew_s");
    }
    let city = City::from_config(&load_city(settings)?)?;
    let on_time: f64 = city
        .sensors
        .iter()
        .map(|s| 1000.0 / s.interval_ms as f64)
        .sum();
    if let (Some(speed), Some(cap)) = (pace.speed, pace.max_rate) {
        if on_time * speed > cap {
            tracing::warn!(
                "the city's {} sensors send about {:.0} msg/s at speed {speed}, over --max-rate {cap}: the run will fall behind; raise --max-rate (0: no cap)",
                city.sensors.len(),
                on_time * speed
            );
        }
    }
    let target = match &args.out {
        Some(path) => Target::File(path.clone()),
        None => Target::Broker {
            options: Box::new(mqtt_options(settings, &args.connection, "run")?),
            qos: qos(&args.pace),
        },
    };
    tracing::info!(scenario = %scenario.name, seed = scenario.seed, city = %city.name, "loaded");
    let plan = RunPlan {
        scenario,
        city,
        topic_prefix: settings.mqtt.topic_prefix.clone(),
        target,
        pacing: pace,
        start_ms,
        anchor_ms,
        duration_s: args.duration,
        progress,
    };
    let summary = simulators::run::run(plan, stop).await?;
    let faults: Vec<String> = simulators::faults::Fault::ALL
        .iter()
        .filter(|f| summary.stats.of(**f) > 0)
        .map(|f| format!("{}={}", f.as_str(), summary.stats.of(*f)))
        .collect();
    tracing::info!(sensors = summary.sensors, readings = summary.stats.readings, events = summary.stats.events, sent = summary.sent, faults = %faults.join(" "), "run finished");
    Ok(())
}

async fn record(
    args: RecordArgs,
    settings: &Settings,
    progress: bool,
    stop: &CancellationToken,
) -> anyhow::Result<()> {
    let options = mqtt_options(settings, &args.connection, "record")?;
    let recorder = Recorder::subscribe(options, &args.topics, &args.out).await?;
    tracing::info!(topics = ?args.topics, out = %args.out.display(), "recording");
    if let Some(d) = args.duration {
        let timer = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(d)).await;
            timer.cancel();
        });
    }
    let n = recorder.run(stop, args.count, progress).await?;
    tracing::info!(messages = n, "recording finished");
    Ok(())
}

async fn replay(
    args: ReplayArgs,
    settings: &Settings,
    progress: bool,
    stop: &CancellationToken,
) -> anyhow::Result<()> {
    let options = mqtt_options(settings, &args.connection, "replay")?;
    let n = simulators::replay::replay(
        &args.file,
        options,
        qos(&args.pace),
        pacing(&args.pace),
        args.retime,
        progress,
        stop,
    )
    .await?;
    tracing::info!(messages = n, "replay finished");
    Ok(())
}
