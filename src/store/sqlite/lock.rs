//! One writer process per store. The writer keeps rollup buckets and each sensor's newest row
//! in memory (`write.rs`), so a second process writing the same file (a second `ioc run`, or
//! `ioc import` beside a running server) would fold into rows the first one believes it
//! holds. The store takes an exclusive lock on `{path}-writer.lock` when it opens; the kernel
//! drops it when the process ends, however it ends.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use crate::store::StoreError;

/// The lock file of the store at `path`.
pub(super) fn path_of(path: &Path) -> PathBuf {
    let mut lock = path.as_os_str().to_owned();
    lock.push("-writer.lock");
    lock.into()
}

/// Takes the store's lock, or says which process kind holds it.
pub(super) fn take(path: &Path) -> Result<File, StoreError> {
    let lock = path_of(path);
    let failed = |cause| StoreError::Lock {
        path: lock.clone(),
        cause,
    };
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .map_err(failed)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(StoreError::InUse {
            path: path.to_owned(),
            lock,
        }),
        Err(TryLockError::Error(cause)) => Err(failed(cause)),
    }
}
