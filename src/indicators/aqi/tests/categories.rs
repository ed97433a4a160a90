use super::*;

#[test]
fn vn_categories_change_exactly_at_the_band_edges() {
    let cases = [
        (0, VnCategory::Good),
        (50, VnCategory::Good),
        (51, VnCategory::Moderate),
        (100, VnCategory::Moderate),
        (101, VnCategory::Poor),
        (150, VnCategory::Poor),
        (151, VnCategory::Bad),
        (200, VnCategory::Bad),
        (201, VnCategory::VeryBad),
        (300, VnCategory::VeryBad),
        (301, VnCategory::Hazardous),
        (500, VnCategory::Hazardous),
    ];
    for (aqi, expected) in cases {
        assert_eq!(VnCategory::from_aqi(aqi), expected, "AQI {aqi}");
    }
}

#[test]
fn vn_categories_carry_the_decisions_labels_and_colours() {
    let cases = [
        (25, "Tốt", "Good", "#00e400", "good"),
        (75, "Trung bình", "Moderate", "#ffff00", "moderate"),
        (125, "Kém", "Poor", "#ff7e00", "poor"),
        (175, "Xấu", "Bad", "#ff0000", "bad"),
        (250, "Rất xấu", "Very bad", "#8f3f97", "very_bad"),
        (400, "Nguy hại", "Hazardous", "#7e0023", "hazardous"),
    ];
    for (aqi, vi, en, hex, json) in cases {
        let c = VnCategory::from_aqi(aqi);
        assert_eq!(
            (c.label_vi(), c.label_en(), c.color().hex()),
            (vi, en, hex.to_owned())
        );
        assert_eq!(serde_json::to_value(c).expect("serialises"), json);
    }
}

#[test]
fn epa_categories_change_at_the_same_edges_with_the_epas_names() {
    let cases = [
        (50, EpaCategory::Good, "Good"),
        (51, EpaCategory::Moderate, "Moderate"),
        (100, EpaCategory::Moderate, "Moderate"),
        (
            101,
            EpaCategory::UnhealthyForSensitiveGroups,
            "Unhealthy for Sensitive Groups",
        ),
        (
            150,
            EpaCategory::UnhealthyForSensitiveGroups,
            "Unhealthy for Sensitive Groups",
        ),
        (151, EpaCategory::Unhealthy, "Unhealthy"),
        (200, EpaCategory::Unhealthy, "Unhealthy"),
        (201, EpaCategory::VeryUnhealthy, "Very Unhealthy"),
        (300, EpaCategory::VeryUnhealthy, "Very Unhealthy"),
        (301, EpaCategory::Hazardous, "Hazardous"),
    ];
    for (aqi, expected, label) in cases {
        let c = EpaCategory::from_aqi(aqi);
        assert_eq!((c, c.label_en()), (expected, label), "AQI {aqi}");
    }
    assert_eq!(EpaCategory::from_aqi(101).color().hex(), "#ff7e00");
    assert_eq!(
        serde_json::to_value(EpaCategory::UnhealthyForSensitiveGroups).expect("serialises"),
        "unhealthy_for_sensitive_groups"
    );
}
