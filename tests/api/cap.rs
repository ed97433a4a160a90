//! The CAP 1.2 feed of public warnings end to end: a water level past warning level III raises
//! an alert of a public rule; the Atom feed lists it and each of its entries links to a CAP
//! document that validates against OASIS's schema (`tests/cap/CAP-v1.2.xsd`, checked by
//! Debian's `xmllint`, package libxml2-utils; the test fails without it) in Vietnamese and
//! English; an alert of an internal rule is neither listed nor served; once the water falls
//! the feed drops the warning and its document becomes a `Cancel` of the `Alert`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::helpers::{eventually, spawn_app_with_rules, TestApp, PM25_STATION_RULE};

/// Public, without duration: water at wl-0007 (Hải Châu, warning levels 180, 230, 280 cm)
/// reaching level III fires at once.
const FLOOD_RULE: &str = r#"
[[rules]]
id = "flood-level-3"
description = "Water level at warning level III (280 cm): flooding"
signal = "water_level_cm"
severity = "critical"
scope = { domain = "environment", level = "sensor" }
kind = "threshold"
direction = "above"
raise = 280
clear = 250
for_s = 0
public = true
"#;

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cap/CAP-v1.2.xsd");

/// An anonymous GET: (status, content type, body).
async fn get_anonymous(url: &str) -> (u16, String, String) {
    let res = reqwest::get(url).await.expect("request");
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, res.text().await.expect("body"))
}

/// Runs `xmllint --noout {args} FILE` on `text` written to `dir/name`; fails the test with
/// xmllint's own messages and the document when it does not accept it.
fn xmllint(dir: &Path, name: &str, text: &str, args: &[&str]) {
    let file: PathBuf = dir.join(name);
    std::fs::write(&file, text).expect("write the document");
    let out = Command::new("xmllint")
        .arg("--noout")
        .args(args)
        .arg(&file)
        .output()
        .expect("xmllint runs: install Debian's libxml2-utils (scripts/test.sh does)");
    assert!(
        out.status.success(),
        "xmllint {args:?} refused {name}:\n{}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The `href` of every entry's `alternate` link in an Atom feed.
fn cap_links(atom: &str) -> Vec<String> {
    atom.split("<entry>")
        .skip(1)
        .filter_map(|entry| {
            let link = &entry[entry.find("<link rel=\"alternate\"")?..];
            let href = &link[link.find("href=\"")? + 6..];
            Some(href[..href.find('"')?].to_owned())
        })
        .collect()
}

/// The text of the first `<name>` element.
fn element<'a>(xml: &'a str, name: &str) -> &'a str {
    let open = format!("<{name}>");
    let start = xml.find(&open).map_or(0, |i| i + open.len());
    let end = xml[start..].find(&format!("</{name}>")).unwrap_or(0);
    &xml[start..start + end]
}

async fn firing_id(app: &TestApp, rule: &str) -> Option<i64> {
    let (_, body) = app.get("/api/v1/alerts?state=firing").await;
    body["alerts"]
        .as_array()?
        .iter()
        .find(|a| a["rule_id"] == rule)
        .and_then(|a| a["id"].as_i64())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_flood_warning_is_published_as_valid_cap_and_cancelled_when_the_water_falls() {
    let dir = std::sync::Arc::new(tempfile::tempdir().expect("tempdir"));
    let files = tempfile::tempdir().expect("tempdir for the documents");
    let rules = format!("{FLOOD_RULE}\n{PM25_STATION_RULE}");
    let app = spawn_app_with_rules(dir, &rules, &[]).await;
    let p = app.publisher().await;
    p.publish(
        "city/environment/hai-chau/wl-0007",
        r#"{"water_level_cm": 320}"#,
    )
    .await;
    p.publish("city/environment/hai-chau/aq-0019", r#"{"pm25": 180}"#)
        .await;
    p.wait_acked(2).await;
    eventually("both alerts fire", || async {
        firing_id(&app, "flood-level-3").await.is_some()
            && firing_id(&app, "pm25-station").await.is_some()
    })
    .await;
    let flood = firing_id(&app, "flood-level-3").await.expect("flood alert");
    let internal = firing_id(&app, "pm25-station").await.expect("pm25 alert");

    // The feed needs no credential, is well-formed Atom, and lists the public warning only.
    let (status, content_type, atom) = get_anonymous(&app.url("/api/v1/cap")).await;
    assert_eq!(status, 200, "{atom}");
    assert!(
        content_type.starts_with("application/atom+xml"),
        "{content_type}"
    );
    xmllint(files.path(), "feed.xml", &atom, &[]);
    let links = cap_links(&atom);
    assert_eq!(
        links,
        [app.url(&format!("/api/v1/cap/{flood}"))],
        "one entry, the flood warning:\n{atom}"
    );
    assert!(
        atom.contains(&format!("<id>urn:ioc:da-nang-demo:alert:{flood}</id>")),
        "{atom}"
    );

    // Each entry's CAP document validates against the OASIS schema, in both languages.
    let mut sent = String::new();
    for (n, link) in links.iter().enumerate() {
        let (status, content_type, cap) = get_anonymous(link).await;
        assert_eq!(status, 200, "{link}: {cap}");
        assert!(
            content_type.starts_with("application/cap+xml"),
            "{content_type}"
        );
        xmllint(
            files.path(),
            &format!("alert-{n}.xml"),
            &cap,
            &["--schema", SCHEMA],
        );
        for part in [
            "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">",
            "<msgType>Alert</msgType>",
            "<scope>Public</scope>",
            "<language>vi-VN</language>",
            "<language>en-US</language>",
            "<severity>Extreme</severity>",
            "<areaDesc>Hải Châu</areaDesc>",
            "<valueName>water_level_cm</valueName>",
        ] {
            assert!(cap.contains(part), "{part} missing from\n{cap}");
        }
        sent = element(&cap, "sent").to_owned();
    }

    // An internal rule's alert is answered like an unknown one.
    for id in [internal.to_string(), "999999".into(), "not-an-id".into()] {
        let res = reqwest::get(app.url(&format!("/api/v1/cap/{id}")))
            .await
            .expect("request");
        assert_eq!(res.status().as_u16(), 404, "/api/v1/cap/{id}");
        let body: Value = res.json().await.expect("the API's JSON error");
        assert_eq!(body["code"], "alert_not_found", "{body}");
    }

    // Acknowledged is still active.
    assert_eq!(app.ack(flood, json!({"by": "lan"})).await, 200);
    let (_, _, atom) = get_anonymous(&app.url("/api/v1/cap")).await;
    assert_eq!(cap_links(&atom).len(), 1, "{atom}");

    // The water falls below the clear level: the warning leaves the feed and is cancelled.
    p.publish(
        "city/environment/hai-chau/wl-0007",
        r#"{"water_level_cm": 200}"#,
    )
    .await;
    p.wait_acked(3).await;
    eventually("the feed drops the resolved warning", || async {
        let (_, _, atom) = get_anonymous(&app.url("/api/v1/cap")).await;
        cap_links(&atom).is_empty()
    })
    .await;
    let (_, _, atom) = get_anonymous(&app.url("/api/v1/cap")).await;
    xmllint(files.path(), "feed-empty.xml", &atom, &[]);
    let document = app.url(&format!("/api/v1/cap/{flood}"));
    // The feed reads memory; a resolved alert's document comes from the store, a moment later.
    eventually("the warning's document is its cancellation", || async {
        get_anonymous(&document)
            .await
            .2
            .contains("<msgType>Cancel</msgType>")
    })
    .await;
    let (status, _, cancel) = get_anonymous(&document).await;
    assert_eq!(status, 200, "{cancel}");
    xmllint(files.path(), "cancel.xml", &cancel, &["--schema", SCHEMA]);
    let references = format!("ioc@da-nang-demo,urn:ioc:da-nang-demo:alert:{flood},{sent}");
    for part in [
        "<msgType>Cancel</msgType>".to_owned(),
        format!("<references>{references}</references>"),
        "<language>vi-VN</language>".to_owned(),
        "<language>en-US</language>".to_owned(),
    ] {
        assert!(cancel.contains(&part), "{part} missing from\n{cancel}");
    }
}
