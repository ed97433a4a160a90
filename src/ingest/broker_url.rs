/// An external broker address: `mqtt://host[:port]` (or `tcp://`) and `mqtts://host[:port]`
/// (or `ssl://`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerUrl {
    pub host: String,
    pub port: u16,
    pub tls: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BrokerUrlError {
    #[error("expected mqtt://host[:port] or mqtts://host[:port]")]
    Scheme,
    #[error("the host is missing")]
    Host,
    #[error("the port must be a number from 1 to 65535")]
    Port,
    #[error(
        "a broker URL has no path, query or credentials; set mqtt.username / mqtt.password instead"
    )]
    Extra,
}

impl BrokerUrl {
    pub fn parse(url: &str) -> Result<BrokerUrl, BrokerUrlError> {
        let url = url.trim();
        let (rest, tls) = if let Some(r) = url
            .strip_prefix("mqtt://")
            .or_else(|| url.strip_prefix("tcp://"))
        {
            (r, false)
        } else if let Some(r) = url
            .strip_prefix("mqtts://")
            .or_else(|| url.strip_prefix("ssl://"))
        {
            (r, true)
        } else {
            return Err(BrokerUrlError::Scheme);
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#', '@']) {
            return Err(BrokerUrlError::Extra);
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, _)) if !h.ends_with(']') && h.contains(':') => (rest, None), // bare IPv6
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(BrokerUrlError::Host);
        }
        let port = match port {
            None => {
                if tls {
                    8883
                } else {
                    1883
                }
            }
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or(BrokerUrlError::Port)?,
        };
        Ok(BrokerUrl {
            host: host.to_owned(),
            port,
            tls,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_with_default_ports() {
        let u = BrokerUrl::parse("mqtt://broker.local").expect("valid");
        assert_eq!(
            (u.host.as_str(), u.port, u.tls),
            ("broker.local", 1883, false)
        );
        let u = BrokerUrl::parse("mqtts://10.1.2.3:9883").expect("valid");
        assert_eq!((u.host.as_str(), u.port, u.tls), ("10.1.2.3", 9883, true));
        assert_eq!(
            BrokerUrl::parse("ssl://[::1]:8883").map(|u| u.host),
            Ok("::1".to_owned())
        );
    }

    #[test]
    fn bad_urls_say_what_is_wrong() {
        assert_eq!(BrokerUrl::parse("http://x"), Err(BrokerUrlError::Scheme));
        assert_eq!(BrokerUrl::parse("mqtt://:1883"), Err(BrokerUrlError::Host));
        assert_eq!(
            BrokerUrl::parse("mqtt://x:70000"),
            Err(BrokerUrlError::Port)
        );
        assert_eq!(BrokerUrl::parse("mqtt://u:p@x"), Err(BrokerUrlError::Extra));
    }
}
