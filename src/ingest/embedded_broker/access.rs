//! Who may do what on the embedded broker. rumqttd 0.20 has no authorization hook, so this
//! policy is applied to every packet as it is decoded (see `guard.rs`), before rumqttd's
//! router sees it.
//!
//! - `ioc` logs in with its own credential, generated at every start and never written
//!   anywhere: it alone may subscribe, and `mqtt.client_id` is reserved to it, so no one else
//!   can take over its persistent session.
//! - Publishers log in with `broker.username` / `broker.password` (anonymous when those are
//!   empty). They may only publish to `{mqtt.topic_prefix}/{domain}/{district}/{sensor}`: no
//!   wildcard, no `$` topic, no other depth, and may not subscribe.

use sha2::{Digest, Sha256};

/// The credential `ioc`'s own ingest connection presents to the embedded broker.
#[derive(Clone)]
pub struct IocLogin {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for IocLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IocLogin")
            .field("username", &self.username)
            .field("password", &"(secret)")
            .finish()
    }
}

impl IocLogin {
    /// A fresh credential: 32 random bytes as hex. Err only when the OS has no randomness.
    pub fn generate() -> Result<IocLogin, getrandom::Error> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret)?;
        Ok(IocLogin {
            username: "ioc-internal".to_owned(),
            password: secret.iter().map(|b| format!("{b:02x}")).collect(),
        })
    }
}

/// What a connection turned out to be at CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Ioc,
    Publisher,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("bad user name or password")]
    Credentials,
    #[error("the client id is reserved to ioc")]
    ReservedClientId,
    #[error("publishers may not subscribe")]
    Subscribe,
    #[error("topic not allowed")]
    Topic,
}

/// The embedded broker's access policy.
#[derive(Debug)]
pub struct Access {
    ioc: IocLogin,
    ioc_client_id: String,
    /// `broker.username` / `broker.password`; None: publishers connect anonymously.
    publisher: Option<(String, String)>,
    topic_prefix: String,
}

impl Access {
    pub fn new(
        ioc: IocLogin,
        ioc_client_id: &str,
        publisher: Option<(String, String)>,
        topic_prefix: &str,
    ) -> Access {
        Access {
            ioc,
            ioc_client_id: ioc_client_id.to_owned(),
            publisher,
            topic_prefix: topic_prefix.to_owned(),
        }
    }

    /// The role of a CONNECT with this client id and login (user name, password).
    pub fn connect(&self, client_id: &str, login: Option<(&str, &str)>) -> Result<Role, Refused> {
        let is = |(u, p): (&str, &str), user: &str, pass: &str| {
            same(u.as_bytes(), user.as_bytes()) & same(p.as_bytes(), pass.as_bytes())
        };
        if login.is_some_and(|l| is(l, &self.ioc.username, &self.ioc.password)) {
            return Ok(Role::Ioc);
        }
        if client_id == self.ioc_client_id {
            return Err(Refused::ReservedClientId);
        }
        match (&self.publisher, login) {
            (None, _) => Ok(Role::Publisher),
            (Some((user, pass)), Some(l)) if is(l, user, pass) => Ok(Role::Publisher),
            (Some(_), _) => Err(Refused::Credentials),
        }
    }

    /// Whether `role` may PUBLISH (or leave a will) on `topic`. No one may publish to a
    /// wildcard or `$` topic (MQTT 3.1.1 §4.7, §4.7.2); a publisher only to the four-level
    /// topics ioc subscribes to.
    pub fn publish(&self, role: Role, topic: &[u8]) -> Result<(), Refused> {
        let topic = std::str::from_utf8(topic).map_err(|_| Refused::Topic)?;
        if topic.is_empty() || topic.starts_with('$') || topic.contains(['+', '#', '\0']) {
            return Err(Refused::Topic);
        }
        if role == Role::Ioc {
            return Ok(());
        }
        let levels = topic
            .strip_prefix(self.topic_prefix.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
            .map(|rest| rest.split('/').count());
        if levels == Some(3) {
            Ok(())
        } else {
            Err(Refused::Topic)
        }
    }

    pub fn subscribe(&self, role: Role) -> Result<(), Refused> {
        match role {
            Role::Ioc => Ok(()),
            Role::Publisher => Err(Refused::Subscribe),
        }
    }
}

/// Equality that does not stop at the first differing byte: the digests have a fixed length,
/// so timing tells nothing about how much of a guess was right.
fn same(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (Sha256::digest(a), Sha256::digest(b));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(publisher: Option<(&str, &str)>) -> Access {
        let ioc = IocLogin {
            username: "ioc-internal".into(),
            password: "k".into(),
        };
        let publisher = publisher.map(|(u, p)| (u.to_owned(), p.to_owned()));
        Access::new(ioc, "ioc-ingest", publisher, "city")
    }

    #[test]
    fn ioc_client_id_is_reserved_to_ioc_credential() {
        let a = access(None);
        assert_eq!(
            a.connect("ioc-ingest", Some(("ioc-internal", "k"))),
            Ok(Role::Ioc)
        );
        assert_eq!(
            a.connect("ioc-ingest", None),
            Err(Refused::ReservedClientId)
        );
        let wrong = Some(("ioc-internal", "guess"));
        assert_eq!(
            a.connect("ioc-ingest", wrong),
            Err(Refused::ReservedClientId)
        );
        assert_eq!(
            a.connect("sensor-1", wrong),
            Ok(Role::Publisher),
            "anonymous mode"
        );
    }

    #[test]
    fn publishers_need_the_publisher_credential_when_one_is_set() {
        let a = access(Some(("sensors", "s3cret")));
        assert_eq!(
            a.connect("s", Some(("sensors", "s3cret"))),
            Ok(Role::Publisher)
        );
        assert_eq!(
            a.connect("s", Some(("sensors", "nope"))),
            Err(Refused::Credentials)
        );
        assert_eq!(a.connect("s", None), Err(Refused::Credentials));
    }

    #[test]
    fn publishers_publish_only_sensor_topics_under_the_prefix_and_never_subscribe() {
        let a = access(None);
        let p = Role::Publisher;
        assert_eq!(a.publish(p, b"city/traffic/hai-chau/tl-1"), Ok(()));
        for bad in [
            "city/+/hai-chau/tl-1",
            "city/traffic/#",
            "$SYS/broker/x",
            "city/traffic/hai-chau",
            "city/traffic/hai-chau/tl-1/x",
            "cityx/traffic/hai-chau/tl-1",
            "other/traffic/hai-chau/tl-1",
            "",
        ] {
            assert_eq!(a.publish(p, bad.as_bytes()), Err(Refused::Topic), "{bad}");
        }
        assert_eq!(a.subscribe(p), Err(Refused::Subscribe));
        assert_eq!(a.subscribe(Role::Ioc), Ok(()));
        assert_eq!(a.publish(Role::Ioc, b"$SYS/x"), Err(Refused::Topic));
    }
}
