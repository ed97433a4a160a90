//! The writer and sync threads against a real SQLite store, wrapped to record the order of
//! writes, syncs and hand-offs, and to make a sync fail (a real disk cannot be made to fail
//! an fsync on demand: that one case is staged here, and the wrapper says so).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{spawn_writer, Committed, Pending, WriterHandle};
use crate::model::{City, Reading};
use crate::store::{ReadingWriter, RetentionPolicy, SqliteStore, StoreError, WriteReport};
use crate::telemetry::Metrics;

const T0: i64 = 1_763_880_000_000;
const DAY: i64 = 86_400_000;

/// A real store that logs `write` and `sync`, and fails `sync` once `fail_sync` is set.
struct Recording {
    inner: SqliteStore,
    log: Arc<Mutex<Vec<String>>>,
    fail_sync: AtomicBool,
}

impl Recording {
    fn note(&self, event: String) {
        self.log.lock().expect("log").push(event);
    }
}

impl ReadingWriter for Recording {
    fn write(&self, readings: &[Reading]) -> Result<WriteReport, StoreError> {
        let report = self.inner.write(readings)?;
        self.note(format!("write {}", readings.len()));
        Ok(report)
    }
    fn sensor_homes(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        Ok(Vec::new())
    }

    fn count_rejections(&self, counts: &[crate::store::RejectionCount]) -> Result<(), StoreError> {
        self.inner.count_rejections(counts)
    }

    fn sync(&self) -> Result<(), StoreError> {
        if self.fail_sync.load(Ordering::SeqCst) {
            return Err(StoreError::Sync {
                path: "staged".into(),
                cause: std::io::Error::other("staged fsync failure"),
            });
        }
        self.inner.sync()?;
        self.note("sync".into());
        Ok(())
    }
}

fn city() -> Arc<City> {
    Arc::new(City::from_config(&crate::model::CityConfig::demo().expect("demo")).expect("valid"))
}

fn recording(dir: &tempfile::TempDir) -> (Arc<Recording>, Arc<City>) {
    let city = city();
    let retention = RetentionPolicy {
        raw_ms: 7 * DAY,
        rollup_1m_ms: 90 * DAY,
        rollup_1h_ms: 730 * DAY,
    };
    let inner =
        SqliteStore::open(&dir.path().join("ioc.db"), city.clone(), retention, true).expect("open");
    let store = Recording {
        inner,
        log: Arc::default(),
        fail_sync: AtomicBool::new(false),
    };
    (Arc::new(store), city)
}

fn message(city: &City, n: usize) -> Pending<usize> {
    let s = city.sensor("tl-0001").expect("registered");
    let reading = Reading {
        sensor: s.id.clone(),
        registered: true,
        domain: s.domain,
        district: s.district,
        metric: city.metric_idx(s.domain, "vehicle_count").expect("metric"),
        ts_ms: T0 + n as i64 * 1000,
        ts_received: false,
        seq: None,
        value: n as f64,
    };
    Pending {
        message: n,
        readings: vec![reading],
    }
}

/// The writer and sync threads over `store`, with batches of at most 50 readings.
fn start(
    store: &Arc<Recording>,
) -> (
    Arc<Metrics>,
    Input,
    mpsc::Receiver<Committed<usize>>,
    WriterHandle,
) {
    let metrics = Arc::new(Metrics::new(&[]).expect("metrics"));
    let (tx, rx) = mpsc::channel(1000);
    let (out_tx, out_rx) = mpsc::channel::<Committed<usize>>(1000);
    let handle = spawn_writer(
        store.clone(),
        rx,
        out_tx,
        50,
        metrics.store.clone(),
        CancellationToken::new(),
    )
    .expect("spawn");
    (metrics, tx, out_rx, handle)
}

type Input = mpsc::Sender<Pending<usize>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_are_handed_on_in_order_and_only_after_a_sync_that_follows_their_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, city) = recording(&dir);
    let (_, tx, mut out_rx, handle) = start(&store);
    let log = store.log.clone();
    let reader = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(c) = out_rx.recv().await {
            assert_eq!(c.fresh, [true]);
            // Which log entries exist when the message arrives: its write, then a sync.
            let events = log.lock().expect("log").clone();
            seen.push((c.message, events));
        }
        seen
    });
    for n in 0..500 {
        tx.send(message(&city, n)).await.expect("send");
    }
    drop(tx);
    handle.join().await;
    let seen = reader.await.expect("reader");
    assert_eq!(
        seen.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        (0..500).collect::<Vec<_>>()
    );
    for (n, events) in seen {
        // Message n was in the write that brought the written total past n.
        let mut written = 0;
        let at = events
            .iter()
            .position(|e| {
                if let Some(k) = e.strip_prefix("write ") {
                    written += k.parse::<usize>().expect("count");
                }
                written > n
            })
            .expect("its write happened before it was handed on");
        assert!(
            events[at..].iter().any(|e| e == "sync"),
            "message {n} was handed on before a sync after its write: {events:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_failed_sync_nothing_more_is_handed_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, city) = recording(&dir);
    store.fail_sync.store(true, Ordering::SeqCst);
    let (metrics, tx, mut out_rx, handle) = start(&store);
    for n in 0..20 {
        tx.send(message(&city, n)).await.expect("send");
    }
    drop(tx);
    handle.join().await;
    assert!(out_rx.recv().await.is_none(), "a message was handed on");
    assert_eq!(metrics.store.sync_failed.get(), 1);
    assert_eq!(metrics.store.up.get(), 0);
}
