//! Payloads that no decoder can read, each a whole-message rejection for `ioc`: cut-off JSON,
//! a line protocol instead of JSON, bytes that are not UTF-8, a bare JSON value, and nothing.

/// A malformed replacement for `good`; `pick` chooses the kind.
pub fn malformed_payload(good: &[u8], pick: u64) -> Vec<u8> {
    match pick % 5 {
        0 => good[..good.len() / 2].to_vec(),
        1 => b"vehicle_count=42;avg_speed_kmh=31.5".to_vec(),
        2 => {
            let mut v = vec![0xff, 0xfe];
            v.extend_from_slice(good);
            v
        }
        3 => b"\"sensor error E42\"".to_vec(),
        // Whitespace rather than zero bytes: some brokers treat an empty payload specially.
        _ => b" ".to_vec(),
    }
}
