//! `ioc-sim replay`: publish a recording (or a dry run) in order, keeping the gaps between
//! its lines at 1×, N× or with no waiting at all; with `--retime`, its payload times moved
//! as if it were live (`retime.rs`).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use rumqttc::{MqttOptions, QoS};
use tokio_util::sync::CancellationToken;

use crate::faults::FaultSet;
use crate::generate::SimMessage;
use crate::jsonl;
use crate::mqtt::Publisher;
use crate::pacing::{Pacing, Schedule};
use crate::progress::Progress;
use crate::pump::{pump, Output, PumpError};
use crate::retime::{shift_payload, Retime};

/// Lines of a JSONL file as messages stamped with their `at_ms`.
pub fn read(path: &Path) -> Result<impl Iterator<Item = Result<SimMessage, PumpError>>, PumpError> {
    let file = File::open(path).map_err(PumpError::io(path))?;
    let owned = path.to_owned();
    let lines = BufReader::new(file)
        .lines()
        .enumerate()
        .filter_map(move |(i, line)| {
            let line = match line {
                Ok(l) if l.trim().is_empty() => return None,
                Ok(l) => l,
                Err(e) => {
                    return Some(Err(PumpError::Io {
                        path: owned.clone(),
                        cause: e,
                    }))
                }
            };
            Some(
                jsonl::decode(&line, i + 1)
                    .map(|e| SimMessage {
                        sim_ms: e.at_ms,
                        topic: e.topic.into(),
                        payload: e.payload,
                        faults: FaultSet::default(),
                    })
                    .map_err(|cause| PumpError::Jsonl {
                        path: owned.clone(),
                        cause,
                    }),
            )
        });
    Ok(lines)
}

fn count_lines(path: &Path) -> Result<u64, PumpError> {
    let file = File::open(path).map_err(PumpError::io(path))?;
    let mut n = 0;
    for line in BufReader::new(file).lines() {
        n += u64::from(!line.map_err(PumpError::io(path))?.trim().is_empty());
    }
    Ok(n)
}

/// Replays `path` to the broker; returns how many messages were published and acknowledged.
pub async fn replay(
    path: &Path,
    options: MqttOptions,
    qos: QoS,
    pacing: Pacing,
    retime: Option<Retime>,
    progress: bool,
    stop: &CancellationToken,
) -> Result<u64, PumpError> {
    let total = count_lines(path)?;
    let first = read(path)?.next().transpose()?.map(|m| m.sim_ms);
    let shift = match (retime, first) {
        (Some(Retime::Now), Some(first)) => crate::pacing::wall_clock_ms() - first,
        (Some(Retime::At(start)), Some(first)) => start - first,
        _ => 0,
    };
    let mut out = Output::Mqtt(Publisher::connect(options, qos).await?);
    let mut bar = Progress::new(Some(total), "lines", progress);
    let schedule = first.map(|at| Schedule::new(pacing, at));
    let mut line = 0;
    let messages = read(path)?.map(move |m| {
        m.map(|mut m| {
            if shift != 0 {
                if let Some(moved) = shift_payload(&m.payload, shift) {
                    m.payload = moved;
                }
            }
            m
        })
    });
    let sent = pump(
        messages,
        &mut out,
        schedule,
        &mut bar,
        |_| {
            line += 1;
            line
        },
        stop,
    )
    .await?;
    out.finish().await?;
    bar.finish();
    Ok(sent)
}
