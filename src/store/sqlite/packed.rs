//! One raw row per sensor and time: the values of all its metrics packed in one blob, each
//! entry a metric key (u16, little-endian) and the value (f64, little-endian). A message
//! reporting nine metrics is one row, not nine: the writer's cost is per row and per page.

use crate::store::StoreError;

const ENTRY: usize = 10;

/// Appends `entries` to `out`.
pub(super) fn encode(entries: &[(i64, f64)], out: &mut Vec<u8>) -> Result<(), StoreError> {
    out.reserve(entries.len() * ENTRY);
    for &(metric_key, value) in entries {
        let key = u16::try_from(metric_key).map_err(|_| StoreError::MetricKeyRange(metric_key))?;
        out.extend_from_slice(&key.to_le_bytes());
        out.extend_from_slice(&value.to_le_bytes());
    }
    Ok(())
}

/// The entries of a blob written by [`encode`]; an error names a blob of any other length.
pub(super) fn decode(blob: &[u8]) -> Result<impl Iterator<Item = (i64, f64)> + '_, StoreError> {
    if !blob.len().is_multiple_of(ENTRY) {
        return Err(StoreError::BadRow { len: blob.len() });
    }
    Ok(blob.chunks_exact(ENTRY).map(|e| {
        let (key, value) = e.split_at(2);
        let key = u16::from_le_bytes([key[0], key[1]]);
        let mut v = [0u8; 8];
        v.copy_from_slice(value);
        (i64::from(key), f64::from_le_bytes(v))
    }))
}

/// The value of one metric in a blob, if the row has it.
pub(super) fn value_of(blob: &[u8], metric_key: i64) -> Result<Option<f64>, StoreError> {
    Ok(decode(blob)?
        .find(|(k, _)| *k == metric_key)
        .map(|(_, v)| v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn decode_gives_back_what_encode_wrote(entries in prop::collection::vec((0i64..=65_535, any::<f64>()), 0..20)) {
            let mut blob = Vec::new();
            encode(&entries, &mut blob).expect("keys in range");
            let back: Vec<(i64, f64)> = decode(&blob).expect("valid").collect();
            prop_assert_eq!(back.len(), entries.len());
            for ((k, v), (k2, v2)) in back.iter().zip(&entries) {
                prop_assert_eq!(k, k2);
                prop_assert_eq!(v.to_bits(), v2.to_bits());
            }
        }
    }

    #[test]
    fn a_key_beyond_u16_and_a_truncated_blob_are_errors() {
        let mut blob = Vec::new();
        assert!(matches!(
            encode(&[(70_000, 1.0)], &mut blob),
            Err(StoreError::MetricKeyRange(70_000))
        ));
        encode(&[(3, 1.5), (4, 2.5)], &mut blob).expect("encode");
        assert_eq!(value_of(&blob, 4).expect("valid"), Some(2.5));
        assert_eq!(value_of(&blob, 5).expect("valid"), None);
        assert!(matches!(
            decode(&blob[..15]).map(|_| ()),
            Err(StoreError::BadRow { len: 15 })
        ));
    }
}
