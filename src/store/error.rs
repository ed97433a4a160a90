use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the store directory {path}: {cause}")]
    CreateDir {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("cannot open the store {path}: {cause}")]
    Open {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    #[error("store {path} is in use by another ioc process (ioc run or ioc import; the lock is {lock}): one process writes a store at a time, so stop it first")]
    InUse { path: PathBuf, lock: PathBuf },
    #[error("cannot lock the store {path}: {cause}")]
    Lock {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("store {path} was written by a newer ioc (schema {found}, this build knows {known})")]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("cannot fsync the store's write-ahead log {path}: {cause}")]
    Sync {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("metric key {0} does not fit a packed row (at most 65,535 metrics)")]
    MetricKeyRange(i64),
    #[error(
        "a stored raw row is damaged: its packed values are {len} bytes, not a multiple of 10"
    )]
    BadRow { len: usize },
    #[error("a stored value has an unexpected type: {0}")]
    Column(#[from] rusqlite::types::FromSqlError),
    #[error("export outbox entry {id} is damaged ({detail}); delete it to let export go on")]
    BadOutboxEntry { id: i64, detail: String },
    #[error("store query failed: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("the store writer has stopped")]
    WriterGone,
}
