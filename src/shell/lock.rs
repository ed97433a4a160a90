//! Lock-poison recovery in one place.
//!
//! A lock is poisoned when a thread panicked while holding it. Every lock in `ioc` guards data
//! whose writer sections are sequences of plain field updates, so the data behind a poisoned
//! lock is still consistent: the shells keep serving it rather than panicking in turn.

use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A read guard on `lock`, poisoned or not.
pub fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|p| p.into_inner())
}

/// A write guard on `lock`, poisoned or not.
pub fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|p| p.into_inner())
}

/// A guard on `mutex`, poisoned or not.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_poisoned_lock_still_yields_its_data() {
        let shared = Arc::new((Mutex::new(1), RwLock::new(2)));
        let s = shared.clone();
        let _ = std::thread::spawn(move || {
            let _m = s.0.lock();
            let _w = s.1.write();
            panic!("poison both");
        })
        .join();
        assert!(shared.0.is_poisoned() && shared.1.is_poisoned());
        *lock(&shared.0) += 1;
        *write(&shared.1) += 1;
        assert_eq!((*lock(&shared.0), *read(&shared.1)), (2, 3));
    }
}
