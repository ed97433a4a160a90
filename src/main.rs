//! The `ioc` binary: flags → logging → config → `Application::build` → run until a signal.

mod import_cmd;
mod keys_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use ioc::config::{load, load_city, Overrides};
use ioc::model::City;
use ioc::telemetry::init_logging;
use ioc::Application;

/// Smart-city Intelligent Operations Center backend: MQTT ingest, live indicators, REST API.
///
/// Every config key can also be set as IOC__SECTION__KEY (e.g. IOC__MQTT__URL); see
/// config/default.toml for all of them and their defaults.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// A TOML file overriding config/default.toml (only the keys you change).
    #[arg(long, short, env = "IOC_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (the default).
    Run,
    /// Load and validate the configuration and city file, print a summary, and exit.
    CheckConfig,
    /// Manage API keys (stored hashed in the store's database file).
    #[command(subcommand)]
    Keys(keys_cmd::KeysCommand),
    /// Load readings from files into the store, through the live decoder and validation:
    /// JSONL recordings, CSV or InfluxDB line protocol. No alert fires. Resumable: a second
    /// run goes on where an interrupted one stopped. Run it while ioc is stopped.
    Import(import_cmd::ImportArgs),
    /// Check a deployment's topology file against the city: every district owned by exactly
    /// one partition, node ids unique; print each node's IOC__CLUSTER__ settings.
    CheckTopology {
        /// The topology file (TOML; see deploy/topology.toml).
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ioc: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let overrides = Overrides {
        file: cli.config,
        env: std::env::vars().collect(),
    };
    let settings = load(&overrides)?;
    if let Some(Command::Keys(cmd)) = cli.command {
        return keys_cmd::run(&settings, cmd);
    }
    if let Some(Command::Import(args)) = cli.command {
        init_logging(&settings.log);
        return import_cmd::run(&settings, args);
    }
    if let Some(Command::CheckTopology { file }) = &cli.command {
        return check_topology(&settings, file);
    }
    if let Some(Command::CheckConfig) = cli.command {
        let city = City::from_config(&load_city(&settings)?)?;
        let owned = settings.cluster.owned(&city)?;
        println!(
            "configuration OK: city {:?}, {} domains, {} districts, {} sensors, broker {}",
            city.name,
            city.domains.len(),
            city.districts.len(),
            city.sensors.len(),
            if settings.uses_embedded_broker() {
                format!("embedded on {}", settings.broker.listen)
            } else {
                settings.mqtt.url.clone()
            }
        );
        if settings.cluster.enabled() {
            let n = owned.iter().filter(|o| **o).count();
            println!(
                "cluster {:?}, node {:?}: {}",
                settings.cluster.name,
                settings.cluster.node_id,
                if n == city.districts.len() {
                    "a replica of the whole city".to_owned()
                } else {
                    format!("a partition of {n} of {} districts", city.districts.len())
                }
            );
        }
        return Ok(());
    }
    init_logging(&settings.log);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let app = Application::build(settings).await?;
        if let Some(token) = app.bootstrap_token() {
            // Printed, not logged: logs travel further than this terminal.
            println!(
                "ioc: no API key exists yet, so this run made an admin token (valid until ioc \
                 stops; create lasting keys with `ioc keys create`):\n  {token}\n  dashboard: \
                 http://{}/#token={token}",
                app.http_addr()
            );
        }
        let token = app.shutdown_token();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("signal received");
            token.cancel();
        });
        app.run_until_stopped().await?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// `ioc check-topology FILE`.
fn check_topology(settings: &ioc::config::Settings, file: &std::path::Path) -> anyhow::Result<()> {
    let city = City::from_config(&load_city(settings)?)?;
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("reading the topology file {}", file.display()))?;
    let topology = ioc::cluster::Topology::parse(&text)?;
    let checked = topology
        .check(&city)
        .with_context(|| format!("{} against city {:?}", file.display(), city.name))?;
    println!(
        "topology OK: cluster {:?}, {} partitions, {} nodes, city {:?} ({} districts)",
        topology.cluster,
        topology.partitions.len(),
        checked.nodes.len(),
        city.name,
        city.districts.len()
    );
    for (partition, node, districts) in &checked.nodes {
        println!(
            "  {partition}/{node}: IOC__CLUSTER__NAME={} IOC__CLUSTER__NODE_ID={node} IOC__CLUSTER__DISTRICTS=\"{districts}\"",
            topology.cluster
        );
    }
    for w in &checked.warnings {
        println!("  warning: {w}");
    }
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
