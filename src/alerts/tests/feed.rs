use std::collections::BTreeMap;

use super::*;
use crate::indicators::queue::Queue;
use crate::indicators::traffic::Traffic;
use crate::indicators::{Area, Areas};

fn indicators() -> Areas {
    let jammed = Traffic {
        congestion_index: Some(0.8),
        ..Default::default()
    };
    let mut queue = Queue::default();
    // City-wide only: the queue wait is not observed there (only per district and centre).
    queue.est_wait_newcomer_s = Some(900.0);
    Areas {
        generated_at: T0,
        traffic: Area {
            city: jammed,
            districts: BTreeMap::from([
                ("hai-chau".to_owned(), jammed),
                ("son-tra".to_owned(), Traffic::default()),
            ]),
        },
        environment: Area::default(),
        public_service: Area {
            city: queue,
            districts: BTreeMap::new(),
        },
        health: BTreeMap::new(),
        traffic_as_of: None,
        queue_as_of: None,
        partial: None,
    }
}

#[test]
fn indicators_with_a_value_are_observed_per_district_and_city_wide_and_those_without_are_not() {
    let obs = area_observations(&indicators(), std::iter::empty(), T0 + MIN);
    let seen: Vec<(Subject, &str, Option<&str>, &str, f64)> = obs
        .iter()
        .map(|o| {
            let district = o.district.as_deref();
            (o.subject.clone(), &*o.domain, district, &*o.signal, o.value)
        })
        .collect();
    let hai_chau = Subject::district("hai-chau");
    assert_eq!(
        seen,
        [
            (
                hai_chau,
                "traffic",
                Some("hai-chau"),
                "congestion_index",
                0.8
            ),
            (Subject::City, "traffic", None, "congestion_index", 0.8),
        ],
        "the queue wait is observed per district and centre, not city-wide"
    );
    assert!(
        obs.iter()
            .all(|o| o.ts_ms == T0 + MIN && o.sensor.is_none()),
        "an indicator without a time of its own is timed now, and names no sensor"
    );
}
