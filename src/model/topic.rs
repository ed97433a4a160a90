//! Topic routing: `{prefix}/{domain}/{district}/{sensor_id}`.

use super::city::is_valid_id;
use super::rejection::truncate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicParts<'a> {
    pub domain: &'a str,
    pub district: &'a str,
    pub sensor: &'a str,
}

/// Splits a topic under `prefix` into its three levels, or says what is wrong with it.
pub fn parse_topic<'a>(prefix: &str, topic: &'a str) -> Result<TopicParts<'a>, String> {
    let rest = topic
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('/'))
        .ok_or_else(|| format!("topic does not start with \"{prefix}/\""))?;
    let mut levels = rest.split('/');
    let (Some(domain), Some(district), Some(sensor), None) =
        (levels.next(), levels.next(), levels.next(), levels.next())
    else {
        return Err(format!(
            "expected {prefix}/{{domain}}/{{district}}/{{sensor_id}}, got {} levels after the prefix",
            rest.split('/').count()
        ));
    };
    for (what, level) in [
        ("domain", domain),
        ("district", district),
        ("sensor id", sensor),
    ] {
        if !is_valid_id(level) {
            return Err(format!(
                "{what} level {:?} must be 1 to 64 letters, digits, '-', '_' or '.', not dots only",
                truncate(level, 64)
            ));
        }
    }
    Ok(TopicParts {
        domain,
        district,
        sensor,
    })
}
