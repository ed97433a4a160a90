//! The one loop every command shares: take messages in order, wait until each is due, hand it
//! to the output, count it. Output is an MQTT broker or a JSONL file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::generate::SimMessage;
use crate::jsonl::{self, JsonlError};
use crate::mqtt::{MqttError, Publisher};
use crate::pacing::Schedule;
use crate::progress::Progress;

#[derive(Debug, thiserror::Error)]
pub enum PumpError {
    #[error(transparent)]
    Mqtt(#[from] MqttError),
    #[error("{path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{path}: {cause}")]
    Jsonl { path: PathBuf, cause: JsonlError },
}

impl PumpError {
    pub fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PumpError + '_ {
        move |cause| PumpError::Io {
            path: path.to_owned(),
            cause,
        }
    }
}

/// Where messages go.
pub enum Output {
    Mqtt(Publisher),
    /// A dry run: JSONL lines stamped with simulated time.
    File {
        path: PathBuf,
        writer: BufWriter<File>,
    },
}

impl Output {
    pub fn create_file(path: &Path) -> Result<Output, PumpError> {
        let file = File::create(path).map_err(PumpError::io(path))?;
        Ok(Output::File {
            path: path.to_owned(),
            writer: BufWriter::new(file),
        })
    }

    async fn send(&mut self, m: SimMessage) -> Result<(), PumpError> {
        match self {
            Output::Mqtt(p) => Ok(p.publish(&m.topic, m.payload).await?),
            Output::File { path, writer } => {
                let line = jsonl::encode(m.sim_ms, &m.topic, &m.payload, m.faults);
                writeln!(writer, "{line}").map_err(PumpError::io(path))
            }
        }
    }

    /// Flushes the file, or waits for the broker to acknowledge everything; returns the count.
    pub async fn finish(self) -> Result<(), PumpError> {
        match self {
            Output::Mqtt(p) => p.finish().await.map(|_| ()).map_err(PumpError::from),
            Output::File { path, mut writer } => writer.flush().map_err(PumpError::io(&path)),
        }
    }
}

/// Sends `messages` to `out`, paced by `schedule` when given (else at once), until they end
/// or `stop` is cancelled. `position` maps a message's time to the progress bar's position.
/// Returns how many messages were sent.
pub async fn pump<I>(
    messages: I,
    out: &mut Output,
    mut schedule: Option<Schedule>,
    progress: &mut Progress,
    mut position: impl FnMut(i64) -> u64,
    stop: &CancellationToken,
) -> Result<u64, PumpError>
where
    I: Iterator<Item = Result<SimMessage, PumpError>>,
{
    let start = Instant::now();
    let mut sent = 0;
    for m in messages {
        let m = m?;
        if let Some(s) = &mut schedule {
            let due = start + s.offset(m.sim_ms);
            // Timers have millisecond resolution; messages due within it go now.
            if due > Instant::now() + std::time::Duration::from_millis(1) {
                tokio::select! {
                    _ = tokio::time::sleep_until(due) => {}
                    _ = stop.cancelled() => break,
                }
            }
        }
        if stop.is_cancelled() {
            break;
        }
        let at = m.sim_ms;
        out.send(m).await?;
        sent += 1;
        progress.message(position(at));
    }
    Ok(sent)
}
