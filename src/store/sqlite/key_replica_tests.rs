//! Key tables shared between two nodes' stores: what one made or revoked holds on the other,
//! adopting twice or out of order changes nothing more, and a malformed record is refused with
//! its reason.

use std::sync::Arc;

use crate::auth::{Auth, KeyRecord, Role};
use crate::model::{City, CityConfig};
use crate::store::SqliteKeys;

fn node(dir: &tempfile::TempDir, name: &str) -> Auth {
    let city = CityConfig::demo().expect("demo city");
    let city = Arc::new(City::from_config(&city).expect("demo city"));
    let repo = SqliteKeys::open(&dir.path().join(format!("{name}.db"))).expect("key store");
    Auth::new(repo, None, city)
}

#[test]
fn a_key_made_or_revoked_on_one_node_holds_on_the_other_whatever_the_order() {
    let dir = tempfile::tempdir().expect("dir");
    let (a, b) = (node(&dir, "a"), node(&dir, "b"));
    let kept = a
        .create_key("cli", Role::Viewer, &["district:hai-chau"], "kept", 10)
        .expect("key");
    let gone = a
        .create_key("cli", Role::Operator, &[], "gone", 11)
        .expect("key");
    let before = a.key_records().expect("records");
    assert!(a.revoke_key("admin", &gone.info.id, 20).expect("revoke"));
    let after = a.key_records().expect("records");

    let first = b.adopt("a", &after).expect("adopt");
    assert_eq!((first.created, first.revoked), (2, 1));
    assert!(b.authenticate(&kept.token).is_ok(), "b accepts a's key");
    assert!(
        b.authenticate(&gone.token).is_err(),
        "b refuses what a revoked"
    );
    let scope = b.authenticate(&kept.token).map(|p| p.scope.to_string());
    assert_eq!(scope.ok().as_deref(), Some("district:hai-chau"));

    let again = b.adopt("a", &after).expect("adopt");
    assert_eq!((again.created, again.revoked), (0, 0), "idempotent");
    let stale = b.adopt("a", &before).expect("adopt");
    assert_eq!(stale.revoked, 0);
    assert!(
        b.authenticate(&gone.token).is_err(),
        "an older table never un-revokes"
    );
    let audit = b.audit_log(Some("key.revoke"), 10).expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!((audit[0].actor.as_str(), audit[0].at_ms), ("peer:a", 20));
}

#[test]
fn a_malformed_key_record_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().expect("dir");
    let b = node(&dir, "b");
    let good = KeyRecord {
        id: "0123456789ab".into(),
        role: "viewer".into(),
        scope: String::new(),
        label: "ok".into(),
        created_ms: 1,
        created_by: "cli".into(),
        revoked_ms: None,
        secret_sha256: "a".repeat(64),
    };
    let bad = |f: fn(&mut KeyRecord)| {
        let mut r = good.clone();
        f(&mut r);
        r
    };
    let records = [
        bad(|r| r.role = "root".into()),
        bad(|r| r.scope = "district:atlantis".into()),
        bad(|r| r.secret_sha256 = "short".into()),
        bad(|r| r.id = "../../etc".into()),
    ];
    let done = b.adopt("x", &records).expect("adopt");
    assert_eq!(done.created, 0);
    assert_eq!(done.refused.len(), 4, "{:?}", done.refused);
    assert!(done.refused[0].contains("unknown role \"root\""));
    assert!(done.refused[1].contains("atlantis"), "{}", done.refused[1]);
    assert_eq!(b.adopt("x", &[good]).map(|d| d.created).ok(), Some(1));
}
