//! Command-line flags. Every flag has a default or an `IOC_SIM_*` environment twin; the city,
//! the topic prefix and broker credentials/TLS come from ioc's own configuration (`--config`
//! and `IOC__…` variables), so the simulator always speaks to the city ioc monitors.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "ioc-sim",
    version,
    about = "Simulated city sensors for ioc: generate, publish, record and replay MQTT traffic; receive its webhooks"
)]
pub struct Cli {
    /// ioc's configuration file: the city (city.path), the topic prefix (mqtt.topic_prefix) and
    /// broker credentials and TLS (mqtt.username, mqtt.password, mqtt.ca_path). IOC__SECTION__KEY
    /// variables apply as they do for ioc. Default: ioc's built-in defaults and demo city.
    #[arg(long, global = true, env = "IOC_CONFIG")]
    pub config: Option<PathBuf>,

    /// Log filter (tracing syntax), e.g. "info" or "simulators=debug".
    #[arg(long, global = true, env = "IOC_SIM_LOG", default_value = "info")]
    pub log: String,

    /// Hide progress bars (they are hidden anyway when stderr is not a terminal).
    /// IOC_SIM_NO_PROGRESS takes 1/0, true/false, yes/no, on/off.
    #[arg(
        long,
        global = true,
        env = "IOC_SIM_NO_PROGRESS",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub no_progress: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate the city and publish its sensors' readings (or write them to a file).
    Run(RunArgs),
    /// Subscribe to a broker and write every message to a JSONL file.
    Record(RecordArgs),
    /// Publish a JSONL recording (or dry run) in order, keeping its timing.
    Replay(ReplayArgs),
    /// Write a synthetic city file of any size (the demo city's domains and sensor mix,
    /// districts tiling a bounding box), e.g. `gen-city --sensors 100000 > big.toml`.
    GenCity(GenCityArgs),
    /// Receive ioc's webhook notifications: check each signature, print one line per
    /// delivery (point IOC__NOTIFY__WEBHOOK_URL and _SECRET at it).
    Hook(HookArgs),
}

#[derive(Debug, Args)]
pub struct HookArgs {
    /// Address to listen on, host:port.
    #[arg(long, env = "IOC_SIM_HOOK_LISTEN", default_value = "127.0.0.1:9099")]
    pub listen: String,

    /// The secret ioc signs with (its notify.webhook_secret). Prefer the environment
    /// variable: a flag shows in the process list.
    #[arg(long, env = "IOC_SIM_HOOK_SECRET", hide_env_values = true)]
    pub secret: String,
}

#[derive(Debug, Args)]
pub struct Connection {
    /// MQTT broker: mqtt://host[:port] or mqtts://host[:port].
    #[arg(long, env = "IOC_SIM_BROKER", default_value = "mqtt://127.0.0.1:1883")]
    pub broker: String,

    /// MQTT client id. Default: ioc-sim-<command>-<process id>.
    #[arg(long, env = "IOC_SIM_CLIENT_ID")]
    pub client_id: Option<String>,
}

#[derive(Debug, Args)]
pub struct Pace {
    /// Simulated (or recorded) seconds per wall-clock second: 1 is real time, 60 is an hour a minute.
    #[arg(long, env = "IOC_SIM_SPEED", default_value_t = 1.0, value_parser = positive)]
    pub speed: f64,

    /// Do not wait between messages at all (still within --max-rate).
    #[arg(long, env = "IOC_SIM_AS_FAST_AS_POSSIBLE", conflicts_with = "speed")]
    pub as_fast_as_possible: bool,

    /// At most this many messages per second (0: no cap).
    #[arg(long, env = "IOC_SIM_MAX_RATE", default_value_t = 5000.0)]
    pub max_rate: f64,

    /// MQTT QoS: 1 (at least once; the run ends when the broker has acknowledged everything) or 0.
    #[arg(long, env = "IOC_SIM_QOS", default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=1))]
    pub qos: u8,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML, see docs/simulators.md). Default: the built-in demo scenario.
    #[arg(long, env = "IOC_SIM_SCENARIO")]
    pub scenario: Option<PathBuf>,

    #[command(flatten)]
    pub connection: Connection,

    #[command(flatten)]
    pub pace: Pace,

    /// Random seed; overrides the scenario's. The same seed, start and city give the same stream.
    #[arg(long, env = "IOC_SIM_SEED")]
    pub seed: Option<u64>,

    /// Simulated seconds to run. Default: until interrupted (Ctrl-C).
    #[arg(long, env = "IOC_SIM_DURATION")]
    pub duration: Option<u64>,

    /// Simulated start, RFC 3339 (e.g. 2025-11-24T07:00:00+07:00). Default: now minus the
    /// catch-up, or, for accelerated runs with a duration, now minus the duration so no
    /// reading is stamped in the future.
    #[arg(long, env = "IOC_SIM_START")]
    pub start: Option<String>,

    /// Simulated seconds of history to publish at once before going on in real time;
    /// overrides the scenario's catch_up_s.
    #[arg(long, env = "IOC_SIM_CATCH_UP")]
    pub catch_up: Option<u64>,

    /// Override a fault rate, NAME=SHARE (repeatable): dropout, stuck, spike, clock_skew,
    /// duplicate, out_of_order, malformed. E.g. --fault malformed=0.01.
    #[arg(long = "fault", value_name = "NAME=SHARE")]
    pub faults: Vec<String>,

    /// Dry run: write the stream as JSONL (stamped with simulated time) to this file instead
    /// of publishing, as fast as possible. Needs --duration.
    #[arg(long, env = "IOC_SIM_OUT")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    #[command(flatten)]
    pub connection: Connection,

    /// JSONL file to write (replaced if it exists).
    #[arg(long, env = "IOC_SIM_RECORD_OUT")]
    pub out: PathBuf,

    /// Topic filter to subscribe to (repeatable).
    #[arg(long = "topic", env = "IOC_SIM_TOPIC", default_value = "city/#")]
    pub topics: Vec<String>,

    /// Stop after this many wall-clock seconds. Default: until interrupted (Ctrl-C).
    #[arg(long, env = "IOC_SIM_DURATION")]
    pub duration: Option<u64>,

    /// Stop after this many messages.
    #[arg(long, env = "IOC_SIM_COUNT")]
    pub count: Option<u64>,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    pub connection: Connection,

    /// JSONL recording (from `record`) or dry run (from `run --out`).
    #[arg(long, env = "IOC_SIM_FILE")]
    pub file: PathBuf,

    /// Replay as if live: every time in the payloads (`ts`, SenML's absolute times) moves so
    /// that the first line is at this time, `now` or RFC 3339. At --speed 1 the readings then
    /// arrive as they would have live; faster, their times run ahead of the clock.
    #[arg(long, env = "IOC_SIM_RETIME")]
    pub retime: Option<crate::retime::Retime>,

    #[command(flatten)]
    pub pace: Pace,
}

#[derive(Debug, Args)]
pub struct GenCityArgs {
    /// How many sensors.
    #[arg(long, env = "IOC_SIM_GEN_SENSORS")]
    pub sensors: usize,

    /// How many districts (1 to 10000). Default: one per 2,500 sensors, at least 12.
    #[arg(long, env = "IOC_SIM_GEN_DISTRICTS")]
    pub districts: Option<usize>,

    /// Random seed: the same seed and sizes give the same file.
    #[arg(long, env = "IOC_SIM_GEN_SEED", default_value_t = 1)]
    pub seed: u64,

    /// The city's name. Default: "Synthetic city (N sensors)".
    #[arg(long, env = "IOC_SIM_GEN_NAME")]
    pub name: Option<String>,

    /// Bounding box the districts tile: WEST,SOUTH,EAST,NORTH in degrees. Default: Đà Nẵng's.
    #[arg(long, env = "IOC_SIM_GEN_BBOX", value_parser = bbox)]
    pub bbox: Option<BBox>,

    /// Write the file here instead of to standard output.
    #[arg(long, env = "IOC_SIM_GEN_OUT")]
    pub out: Option<PathBuf>,
}

/// `WEST,SOUTH,EAST,NORTH`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox(pub [f64; 4]);

fn bbox(s: &str) -> Result<BBox, String> {
    let v: Vec<f64> = s
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("{s:?}: four numbers WEST,SOUTH,EAST,NORTH"))?;
    <[f64; 4]>::try_from(v)
        .map(BBox)
        .map_err(|_| format!("{s:?}: four numbers WEST,SOUTH,EAST,NORTH"))
}

fn positive(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a positive number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent_and_every_flag_is_documented() {
        Cli::command().debug_assert();
        for sub in Cli::command().get_subcommands() {
            for arg in sub.get_arguments() {
                let documented = arg.get_help().is_some() || arg.get_long_help().is_some();
                assert!(
                    documented,
                    "{} --{} has no help",
                    sub.get_name(),
                    arg.get_id()
                );
            }
        }
    }

    #[test]
    fn the_readme_commands_parse() {
        Cli::try_parse_from(["ioc-sim", "run"]).expect("run with defaults");
        Cli::try_parse_from([
            "ioc-sim",
            "run",
            "--scenario",
            "s.toml",
            "--broker",
            "mqtt://127.0.0.1:1883",
            "--speed",
            "60",
            "--seed",
            "7",
            "--duration",
            "3600",
        ])
        .expect("run with every flag");
        Cli::try_parse_from([
            "ioc-sim",
            "record",
            "--broker",
            "mqtt://h:1883",
            "--out",
            "f.jsonl",
            "--topic",
            "city/#",
            "--duration",
            "10",
        ])
        .expect("record");
        Cli::try_parse_from([
            "ioc-sim",
            "replay",
            "--broker",
            "mqtt://h:1883",
            "--file",
            "f.jsonl",
            "--as-fast-as-possible",
        ])
        .expect("replay");
        Cli::try_parse_from(["ioc-sim", "replay", "--file", "f.jsonl", "--retime", "now"])
            .expect("replay --retime now");
        assert!(
            Cli::try_parse_from(["ioc-sim", "replay", "--file", "f", "--retime", "soon"]).is_err()
        );
        Cli::try_parse_from([
            "ioc-sim",
            "gen-city",
            "--sensors",
            "100000",
            "--districts",
            "40",
            "--seed",
            "1",
            "--bbox",
            "108.1,15.98,108.28,16.14",
        ])
        .expect("gen-city");
        Cli::try_parse_from([
            "ioc-sim",
            "hook",
            "--listen",
            "127.0.0.1:0",
            "--secret",
            "s",
        ])
        .expect("hook");
        assert!(Cli::try_parse_from(["ioc-sim", "run", "--speed", "0"]).is_err());
        assert!(
            Cli::try_parse_from(["ioc-sim", "gen-city", "--sensors", "9", "--bbox", "1,2"])
                .is_err()
        );
    }
}
