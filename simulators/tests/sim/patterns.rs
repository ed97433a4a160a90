//! The same seed gives the same stream; rates and patterns hold within tolerance.

use simulators::generate::SimMessage;

use crate::helpers::{generate, object, HOUR_MS, MONDAY_MS};

fn mean_of(msgs: &[SimMessage], metric: &str, from_ms: i64, to_ms: i64, topic_part: &str) -> f64 {
    let values: Vec<f64> = msgs
        .iter()
        .filter(|m| m.sim_ms >= from_ms && m.sim_ms < to_ms && m.topic.contains(topic_part))
        .filter_map(|m| object(m)?.get(metric)?.as_f64())
        .collect();
    assert!(!values.is_empty(), "no {metric} values");
    values.iter().sum::<f64>() / values.len() as f64
}

#[test]
fn the_same_seed_gives_the_same_stream_and_another_seed_a_different_one() {
    let demo = simulators::scenario::DEMO;
    let (a, _) = generate(demo, MONDAY_MS + 7 * HOUR_MS, 0.25);
    let (b, _) = generate(demo, MONDAY_MS + 7 * HOUR_MS, 0.25);
    assert!(a.len() > 4000, "{} messages", a.len());
    assert_eq!(a, b);
    let (c, _) = generate(
        &format!("seed = 43\n{}", demo.replace("seed = 42\n", "")),
        MONDAY_MS + 7 * HOUR_MS,
        0.25,
    );
    assert_ne!(a, c);
}

#[test]
fn a_sensors_stream_does_not_depend_on_which_other_sensors_are_simulated() {
    let all = "[traffic]\nsensors = [\"tl-*\"]\n[faults]\nduplicate = 0.05\nmalformed = 0.05\n";
    let one = "[traffic]\nsensors = [\"tl-0042\"]\n[faults]\nduplicate = 0.05\nmalformed = 0.05\n";
    let (a, _) = generate(all, MONDAY_MS, 1.0);
    let (b, _) = generate(one, MONDAY_MS, 1.0);
    let only: Vec<&SimMessage> = a.iter().filter(|m| m.topic.ends_with("/tl-0042")).collect();
    assert_eq!(only, b.iter().collect::<Vec<_>>());
}

#[test]
fn evening_rush_hour_flow_over_night_flow_holds_the_configured_ratio() {
    // Flat levels around 02:00 (0.1) and 17:00 (1.0), so the configured ratio is exactly 10.
    let mut weekday = [0.5; 24];
    weekday[1..=3].fill(0.1);
    weekday[16..=18].fill(1.0);
    let scenario = format!("[traffic]\nsensors = [\"tl-000*\"]\nweekday = {weekday:?}\n");
    let (msgs, _) = generate(&scenario, MONDAY_MS, 24.0);
    let night = mean_of(
        &msgs,
        "vehicle_count",
        MONDAY_MS + 2 * HOUR_MS,
        MONDAY_MS + 3 * HOUR_MS,
        "/tl-",
    );
    let rush = mean_of(
        &msgs,
        "vehicle_count",
        MONDAY_MS + 17 * HOUR_MS,
        MONDAY_MS + 18 * HOUR_MS,
        "/tl-",
    );
    let ratio = rush / night;
    assert!(
        (ratio - 10.0).abs() < 0.5,
        "rush {rush:.1} / night {night:.1} = {ratio:.2}, configured 10"
    );
}

#[test]
fn weekends_follow_the_weekend_profile() {
    let scenario = "[traffic]\nsensors = [\"tl-000*\"]\nweekday = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]\nweekend = [0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]\n";
    let friday = MONDAY_MS + 4 * 24 * HOUR_MS + 10 * HOUR_MS;
    let (msgs, _) = generate(scenario, friday, 24.0);
    let weekday = mean_of(&msgs, "vehicle_count", friday, friday + HOUR_MS, "/tl-");
    let saturday = mean_of(
        &msgs,
        "vehicle_count",
        friday + 23 * HOUR_MS,
        friday + 24 * HOUR_MS,
        "/tl-",
    );
    let ratio = saturday / weekday;
    assert!(
        (ratio - 0.4).abs() < 0.03,
        "Saturday / Friday = {ratio:.3}, configured 0.4"
    );
}

#[test]
fn an_incident_jams_its_road_segment_and_leaves_other_roads_flowing() {
    let scenario = "[traffic]\n[[traffic.incidents]]\nroad = \"Nguyễn Văn Linh\"\nstart_after_s = 3600\nduration_s = 3600\nseverity = 0.8\n";
    let (msgs, _) = generate(scenario, MONDAY_MS + 10 * HOUR_MS, 3.0);
    let city = crate::helpers::demo_city();
    let on_road = |m: &SimMessage| {
        city.sensor(m.topic.rsplit('/').next().unwrap_or(""))
            .is_some_and(|s| s.name.contains("Nguyễn Văn Linh"))
    };
    let jammed: Vec<&SimMessage> = msgs.iter().filter(|m| on_road(m)).collect();
    assert!(!jammed.is_empty());
    let speed = |ms: &[&SimMessage], from: i64, to: i64| {
        let v: Vec<f64> = ms
            .iter()
            .filter(|m| m.sim_ms >= from && m.sim_ms < to)
            .filter_map(|m| object(m)?.get("avg_speed_kmh")?.as_f64())
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    let t0 = MONDAY_MS + 10 * HOUR_MS;
    // The middle of the incident against the hour before it.
    let before = speed(&jammed, t0, t0 + HOUR_MS);
    let during = speed(
        &jammed,
        t0 + HOUR_MS + 1_200_000,
        t0 + 2 * HOUR_MS - 1_200_000,
    );
    assert!(
        during < before * 0.35,
        "speed before {before:.1}, during {during:.1}"
    );
    let others: Vec<&SimMessage> = msgs.iter().filter(|m| !jammed.contains(m)).collect();
    let others_during = speed(
        &others,
        t0 + HOUR_MS + 1_200_000,
        t0 + 2 * HOUR_MS - 1_200_000,
    );
    assert!(
        others_during > before * 0.8,
        "other roads {others_during:.1}"
    );
}

#[test]
fn rain_raises_the_water_level_and_air_follows_traffic() {
    let scenario = "[water]\n[air]\n[traffic]\n[[weather.rain]]\nstart_after_s = 3600\nduration_s = 3600\nmagnitude = 40\n";
    let t0 = MONDAY_MS + 2 * HOUR_MS;
    let (msgs, _) = generate(scenario, t0, 4.0);
    let level = |from: i64| mean_of(&msgs, "water_level_cm", from, from + 600_000, "/wl-");
    let dry = level(t0 + 2_400_000);
    let after_rain = level(t0 + 2 * HOUR_MS);
    assert!(
        after_rain > dry + 30.0,
        "water level {dry:.1} cm before rain, {after_rain:.1} cm after"
    );
    let rain = mean_of(
        &msgs,
        "rainfall_mm",
        t0 + 2 * HOUR_MS,
        t0 + 2 * HOUR_MS + 600_000,
        "/wl-",
    );
    assert!(rain > 10.0, "rainfall {rain:.1} mm in the last hour");
    // 02:00 (quiet roads) against 05:00–06:00 when traffic starts: NO₂ rises with it.
    let night_no2 = mean_of(&msgs, "no2", t0, t0 + 1_800_000, "/aq-");
    let (dawn, _) = generate("[air]\n[traffic]\n", MONDAY_MS + 7 * HOUR_MS, 1.0);
    let rush_no2 = mean_of(
        &dawn,
        "no2",
        MONDAY_MS + 7 * HOUR_MS,
        MONDAY_MS + 8 * HOUR_MS,
        "/aq-",
    );
    assert!(
        rush_no2 > night_no2 * 2.0,
        "NO2 night {night_no2:.1}, morning rush {rush_no2:.1}"
    );
}

#[test]
fn queues_form_only_in_opening_hours_with_counters_open() {
    let (msgs, _) = generate("[queues]\nsensors = [\"qs-000*\"]\n", MONDAY_MS, 24.0);
    let at = |hour: i64, metric: &str| {
        mean_of(
            &msgs,
            metric,
            MONDAY_MS + hour * HOUR_MS,
            MONDAY_MS + (hour + 1) * HOUR_MS,
            "/qs-",
        )
    };
    assert_eq!(at(3, "waiting"), 0.0);
    assert_eq!(at(3, "counters_open"), 0.0);
    assert!(
        at(9, "waiting") > 1.0,
        "waiting at 09:00: {}",
        at(9, "waiting")
    );
    assert!(
        at(9, "counters_open") >= 2.0,
        "counters at 09:00: {}",
        at(9, "counters_open")
    );
    assert!(at(9, "served_last_5m") > 1.0);
    assert_eq!(at(21, "counters_open"), 0.0);
}

#[test]
fn a_cloudburst_a_flood_wave_and_a_plume_stay_in_their_district() {
    let scenario = "[water]\n[air]\n\
        [[weather.rain]]\ndistrict = \"cam-le\"\nstart_after_s = 0\nduration_s = 3600\nmagnitude = 40\n\
        [[water.floods]]\ndistrict = \"son-tra\"\nstart_after_s = 0\nduration_s = 7200\nramp_s = 600\nrise_cm = 200\n\
        [[air.episodes]]\ndistrict = \"hai-chau\"\nstart_after_s = 0\nduration_s = 7200\nramp_s = 60\nadd = { pm25 = 200 }\n";
    let t0 = MONDAY_MS + 2 * HOUR_MS;
    let (msgs, _) = generate(scenario, t0, 2.0);
    let level = |district: &str| {
        let topic = format!("/{district}/wl-");
        mean_of(
            &msgs,
            "water_level_cm",
            t0 + HOUR_MS,
            t0 + 2 * HOUR_MS,
            &topic,
        )
    };
    let rain = |district: &str| {
        let topic = format!("/{district}/wl-");
        mean_of(
            &msgs,
            "rainfall_mm",
            t0 + HOUR_MS,
            t0 + HOUR_MS + 600_000,
            &topic,
        )
    };
    assert!(
        rain("cam-le") > 20.0 && rain("hai-van") == 0.0,
        "{} {}",
        rain("cam-le"),
        rain("hai-van")
    );
    assert!(
        level("cam-le") > level("hai-van") + 40.0,
        "{} {}",
        level("cam-le"),
        level("hai-van")
    );
    assert!(
        level("son-tra") > 250.0 && level("hai-van") < 160.0,
        "{}",
        level("son-tra")
    );
    let pm = |district: &str| {
        let topic = format!("/{district}/aq-");
        mean_of(&msgs, "pm25", t0 + HOUR_MS, t0 + 2 * HOUR_MS, &topic)
    };
    assert!(
        pm("hai-chau") > pm("hai-van") + 150.0,
        "{} {}",
        pm("hai-chau"),
        pm("hai-van")
    );
}
