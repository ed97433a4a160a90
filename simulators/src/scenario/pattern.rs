//! Sensor id patterns: `*` matches any run of characters, everything else matches itself.

/// True when `id` matches one of `patterns`.
pub fn matches_any(patterns: &[String], id: &str) -> bool {
    patterns
        .iter()
        .any(|p| matches(p.as_bytes(), id.as_bytes()))
}

fn matches(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| matches(rest, &s[i..])),
        Some((c, rest)) => s.first() == Some(c) && matches(rest, &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_match_any_run_and_literals_match_themselves() {
        let p = |s: &str| vec![s.to_owned()];
        assert!(matches_any(&p("tl-*"), "tl-0042"));
        assert!(matches_any(&p("*-00*2"), "aq-0042"));
        assert!(matches_any(&p("qs-0001"), "qs-0001"));
        assert!(!matches_any(&p("tl-*"), "aq-0001"));
        assert!(!matches_any(&p("qs-0001"), "qs-00011"));
        assert!(!matches_any(&[], "tl-0001"));
    }
}
