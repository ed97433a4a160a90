//! The CAP documents and the feed, written for alerts built by hand on the demo city. The
//! schema check itself (xmllint against OASIS's CAP-v1.2.xsd) is in `tests/api/cap.rs`.

use super::message::{polygon, Kind};
use super::time::{cap_time, is_cap_time};
use super::xml::escape;
use super::*;
use crate::alerts::{Ack, Severity, Subject};
use crate::model::{CityConfig, Zone};

/// 2026-12-07T00:00:00Z: 07:00 in Đà Nẵng.
const T0: i64 = 1_796_601_600_000;
const MIN: i64 = 60_000;

fn city() -> City {
    City::from_config(&CityConfig::demo().expect("demo city")).expect("valid")
}

fn issuer() -> Issuer {
    Issuer::new("da-nang-demo", "https://ioc.example.vn/")
}

/// Water level 362 cm at wl-0007 (Hải Châu; warning levels 180, 230, 280), firing since T0.
fn flood() -> Alert {
    Alert {
        id: 7,
        rule_id: "water-level-warning-3".into(),
        subject: Subject::sensor("wl-0007"),
        domain: "environment".into(),
        district: Some("hai-chau".into()),
        signal: "water_level_cm".into(),
        severity: Severity::Critical,
        title: "Water level at warning level III (350 cm): flooding".into(),
        state: AlertState::Firing,
        value: 362.0,
        opened_ms: T0 - MIN,
        fired_ms: Some(T0),
        acknowledged: None,
        resolved_ms: None,
        flapping: false,
        flap_count: 0,
        updated_ms: T0,
    }
}

/// VN_AQI 235 in the district of Hải Châu.
fn smog() -> Alert {
    Alert {
        id: 8,
        rule_id: "aqi-very-unhealthy-district".into(),
        subject: Subject::district("hai-chau"),
        signal: "vn_aqi".into(),
        severity: Severity::Major,
        title: "VN_AQI very unhealthy (≥ 201) in a district".into(),
        value: 235.0,
        ..flood()
    }
}

fn resolved(mut a: Alert, at_ms: i64) -> Alert {
    a.state = AlertState::Resolved;
    a.resolved_ms = Some(at_ms);
    a.value = 320.0;
    a.updated_ms = at_ms;
    a
}

fn doc(a: &Alert) -> String {
    document(a, &city(), &issuer()).expect("a CAP document")
}

fn count(text: &str, part: &str) -> usize {
    text.matches(part).count()
}

#[test]
fn a_firing_flood_alert_is_a_public_actual_cap_alert_in_vietnamese_and_english() {
    let xml = doc(&flood());
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"), "{xml}");
    for part in [
        "<identifier>urn:ioc:da-nang-demo:alert:7</identifier>",
        "<sender>ioc@da-nang-demo</sender>",
        "<sent>2026-12-07T07:00:00+07:00</sent>",
        "<status>Actual</status>",
        "<msgType>Alert</msgType>",
        "<scope>Public</scope>",
        "<language>vi-VN</language>",
        "<language>en-US</language>",
        "<category>Met</category>",
        "<event>Ngập lụt</event>",
        "<event>Flood</event>",
        "<urgency>Immediate</urgency>",
        "<severity>Extreme</severity>",
        "<certainty>Observed</certainty>",
        "<web>https://ioc.example.vn/api/v1/cap/7</web>",
        "<valueName>water_level_cm</valueName>",
        "<value>362</value>",
        "<valueName>warning_level</valueName>",
        "<value>III</value>",
        "<areaDesc>Hải Châu</areaDesc>",
        "<value>hai-chau</value>",
    ] {
        assert!(xml.contains(part), "{part} missing from\n{xml}");
    }
    assert_eq!(count(&xml, "<info>"), 2, "{xml}");
    assert!(
        xml.contains("Trạm đo mực nước Hải Châu 1 (Hải Châu) là 362 cm lúc 07:00 ngày 07/12/2026 (UTC+07:00), đạt mức báo động III (280 cm)."),
        "{xml}"
    );
    assert!(xml.contains("Tránh xa bờ sông") && xml.contains("higher ground"));
    assert!(!xml.contains("<references>") && !xml.contains("<note>"));
}

#[test]
fn an_acknowledged_alert_is_still_the_same_alert_message() {
    let mut a = flood();
    a.state = AlertState::Acknowledged;
    a.acknowledged = Some(Ack {
        by: "lan".into(),
        at_ms: T0 + MIN,
        comment: String::new(),
    });
    a.updated_ms = T0 + MIN;
    assert_eq!(doc(&a), doc(&flood()));
}

#[test]
fn the_area_polygon_is_the_districts_ring_as_closed_lat_lon_pairs() {
    let xml = doc(&flood());
    assert!(
        xml.contains("<polygon>16.08668,108.18568 16.0806,108.22826 16.03889,108.24219 16.03119,108.1964 16.08668,108.18568</polygon>"),
        "{xml}"
    );
    let closed = [[1.0, 2.0], [3.0, 2.0], [3.0, 4.0], [1.0, 2.0]];
    assert_eq!(polygon(&closed).as_deref(), Some("2,1 2,3 4,3 2,1"));
    assert_eq!(polygon(&[[1.0, 2.0], [3.0, 4.0]]), None);
    assert_eq!(polygon(&[[1.0, 2.0], [3.0, f64::NAN], [5.0, 6.0]]), None);
}

#[test]
fn a_city_wide_alert_covers_the_city_with_every_district_polygon() {
    let mut a = smog();
    a.subject = Subject::City;
    a.district = None;
    let city = city();
    let xml = document(&a, &city, &issuer()).expect("document");
    assert!(xml.contains(&format!("<areaDesc>{}</areaDesc>", city.name)));
    assert_eq!(
        count(&xml, "<polygon>"),
        2 * city.districts.len(),
        "both info blocks"
    );
    assert!(!xml.contains("<geocode>"));
}

#[test]
fn a_very_unhealthy_district_aqi_is_an_env_and_health_warning_with_its_category() {
    let xml = doc(&smog());
    for part in [
        "<category>Env</category>",
        "<category>Health</category>",
        "<severity>Severe</severity>",
        "<valueName>VN_AQI</valueName>",
        "<value>235</value>",
        "VN_AQI 235 (Rất xấu)",
        "VN_AQI 235 (Very bad)",
        "<event>Ô nhiễm không khí</event>",
    ] {
        assert!(xml.contains(part), "{part} missing from\n{xml}");
    }
}

#[test]
fn ioc_severities_map_to_cap_severities_and_urgencies() {
    for (ours, cap, urgency) in [
        (Severity::Critical, "Extreme", "Immediate"),
        (Severity::Major, "Severe", "Immediate"),
        (Severity::Minor, "Moderate", "Expected"),
        (Severity::Warning, "Minor", "Expected"),
    ] {
        let mut a = flood();
        a.severity = ours;
        let xml = doc(&a);
        assert!(
            xml.contains(&format!("<severity>{cap}</severity>")),
            "{ours:?}"
        );
        assert!(
            xml.contains(&format!("<urgency>{urgency}</urgency>")),
            "{ours:?}"
        );
    }
}

#[test]
fn a_resolved_alert_is_a_cancel_that_references_the_alert_message() {
    let xml = doc(&resolved(flood(), T0 + 30 * MIN));
    for part in [
        "<identifier>urn:ioc:da-nang-demo:alert:7:cancel</identifier>",
        "<sent>2026-12-07T07:30:00+07:00</sent>",
        "<msgType>Cancel</msgType>",
        "<references>ioc@da-nang-demo,urn:ioc:da-nang-demo:alert:7,2026-12-07T07:00:00+07:00</references>",
        "<incidents>urn:ioc:da-nang-demo:alert:7</incidents>",
        "<urgency>Past</urgency>",
        "<responseType>AllClear</responseType>",
        "Đã kết thúc: Cảnh báo ngập lụt – Hải Châu",
        "Ended: Flood warning – Hải Châu",
        "<value>320</value>",
    ] {
        assert!(xml.contains(part), "{part} missing from\n{xml}");
    }
    assert!(
        xml.find("<note>") < xml.find("<references>"),
        "schema order"
    );
}

#[test]
fn a_pending_alert_has_not_been_issued_but_a_reopened_one_stays_cancelled() {
    let mut pending = flood();
    pending.state = AlertState::Pending;
    pending.fired_ms = None;
    assert_eq!(
        document(&pending, &city(), &issuer()),
        Err(CapError::NotIssued {
            id: 7,
            state: "pending"
        })
    );
    let mut reopened = resolved(flood(), T0 + 30 * MIN);
    reopened.state = AlertState::Pending;
    assert_eq!(
        Kind::of(&reopened),
        Ok(Kind::Cancel {
            fired_ms: T0,
            resolved_ms: T0 + 30 * MIN
        })
    );
}

#[test]
fn an_alert_firing_again_is_a_new_message_with_its_own_identifier() {
    let mut again = flood();
    again.flapping = true;
    again.flap_count = 2;
    again.fired_ms = Some(T0 + 40 * MIN);
    let xml = doc(&again);
    assert!(xml.contains("<identifier>urn:ioc:da-nang-demo:alert:7.2</identifier>"));
    assert!(xml.contains("<incidents>urn:ioc:da-nang-demo:alert:7</incidents>"));
    let cancel = doc(&resolved(again, T0 + 50 * MIN));
    assert!(
        cancel.contains(",urn:ioc:da-nang-demo:alert:7.2,2026-12-07T07:40:00+07:00</references>")
    );
}

#[test]
fn cap_times_have_an_offset_whole_seconds_and_never_z() {
    let vn = Zone::named("Asia/Ho_Chi_Minh").expect("zone");
    assert_eq!(
        cap_time(&vn, T0 + 1_999).as_deref(),
        Ok("2026-12-07T07:00:01+07:00")
    );
    assert_eq!(
        cap_time(&Zone::utc(), T0).as_deref(),
        Ok("2026-12-07T00:00:00-00:00")
    );
    assert!(cap_time(&vn, i64::MAX).is_err());
    assert!(is_cap_time("2026-12-07T07:00:00-03:30"));
    for bad in [
        "2026-12-07T07:00:00Z",
        "2026-12-07T07:00:00.5+07:00",
        "2026-12-07 07:00:00+07:00",
    ] {
        assert!(!is_cap_time(bad), "{bad}");
    }
}

#[test]
fn text_and_attributes_are_escaped_and_characters_xml_cannot_carry_are_replaced() {
    let mut out = String::new();
    escape("a<b & \"c\" > d\r\u{1}", false, &mut out);
    assert_eq!(out, "a&lt;b &amp; \"c\" &gt; d&#13;\u{fffd}");
    let mut out = String::new();
    escape("x=\"1\"\n\ty", true, &mut out);
    assert_eq!(out, "x=&quot;1&quot;&#10;&#9;y");
    let mut a = flood();
    a.title = "<script>&amp; \u{7}".into();
    let xml = doc(&a);
    assert!(
        xml.contains("Rule: &lt;script&gt;&amp;amp; \u{fffd}."),
        "{xml}"
    );
    assert!(!xml.contains("<script>"));
}

#[test]
fn the_feed_lists_the_active_warnings_each_linking_to_its_cap_document() {
    let mut acked = smog();
    acked.state = AlertState::Acknowledged;
    let alerts = [flood(), acked, resolved(smog(), T0)];
    let atom = feed(&alerts, &city(), &issuer(), T0 + MIN).expect("feed");
    assert!(
        atom.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"),
        "{atom}"
    );
    assert!(atom.contains("<updated>2026-12-07T07:01:00+07:00</updated>"));
    assert!(atom.contains("<link rel=\"self\" type=\"application/atom+xml\" href=\"https://ioc.example.vn/api/v1/cap\"/>"));
    assert_eq!(
        count(&atom, "<entry>"),
        2,
        "the resolved one is left out:\n{atom}"
    );
    assert!(atom.contains("<id>urn:ioc:da-nang-demo:alert:7</id>"));
    assert!(atom.contains("<link rel=\"alternate\" type=\"application/cap+xml\" href=\"https://ioc.example.vn/api/v1/cap/8\"/>"));
    assert!(atom.contains("<category term=\"Met\"/>"));
    assert!(atom.contains("Cảnh báo ngập lụt – Hải Châu: mực nước 362 cm / Flood warning – Hải Châu: water level 362 cm"), "{atom}");
}

#[test]
fn an_empty_feed_is_still_a_feed() {
    let atom = feed(&[], &city(), &issuer(), T0).expect("feed");
    assert_eq!(count(&atom, "<entry>"), 0);
    assert!(atom.trim_end().ends_with("</feed>"), "{atom}");
}

#[test]
fn the_issuer_keeps_only_what_cap_identifiers_may_hold() {
    let i = Issuer::new("da nang,<x>&", "http://h:8080");
    assert_eq!(i.sender, "ioc@danangx");
    assert_eq!(i.urn, "urn:ioc:danangx");
    assert_eq!(Issuer::new("", "http://h").sender, "ioc@city");
    assert_eq!(i.document_url(3), "http://h:8080/api/v1/cap/3");
}

#[test]
fn only_firing_and_acknowledged_alerts_are_active() {
    let states = [
        (AlertState::Pending, false),
        (AlertState::Firing, true),
        (AlertState::Acknowledged, true),
        (AlertState::Resolved, false),
        (AlertState::Dropped, false),
    ];
    for (state, active) in states {
        let mut a = flood();
        a.state = state;
        assert_eq!(is_active(&a), active, "{state:?}");
    }
}
