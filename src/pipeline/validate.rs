//! What every message passes before its readings are stored, live or imported (`ioc import`):
//! the decoder, then the admission of unregistered sensors.

use std::sync::Arc;

use crate::model::{
    City, Decoded, Decoder, DecoderLimits, DistrictIdx, DomainIdx, FastMap, Reason, Rejection,
};

pub struct Validator {
    city: Arc<City>,
    limits: DecoderLimits,
    /// Unregistered sensors admitted so far, each bound to the domain and district it was
    /// first seen under (a scope check trusts that binding); bounded by `max_unregistered`.
    unregistered: FastMap<Arc<str>, (DomainIdx, DistrictIdx)>,
    max_unregistered: usize,
}

impl Validator {
    pub fn new(city: Arc<City>, limits: DecoderLimits, max_unregistered: usize) -> Self {
        Validator {
            city,
            limits,
            unregistered: FastMap::default(),
            max_unregistered,
        }
    }

    /// Decodes one message received at `received_ms` (unix ms), then keeps the readings of an
    /// unregistered sensor only as [`Validator::admit_unregistered`] allows.
    pub fn decode(&mut self, topic: &str, payload: &[u8], received_ms: i64) -> Decoded {
        let mut decoded =
            Decoder::new(&self.city, &self.limits).decode(topic, payload, received_ms);
        self.admit_unregistered(&mut decoded);
        decoded
    }

    /// Unregistered sensors admitted so far.
    pub fn unregistered(&self) -> usize {
        self.unregistered.len()
    }

    pub fn city(&self) -> &Arc<City> {
        &self.city
    }

    /// For `{prefix}/events/{rest}`, `rest`: an event, which the decode stage hands to the
    /// event service; `None` for every other topic.
    pub fn event_topic<'t>(&self, topic: &'t str) -> Option<&'t str> {
        topic
            .strip_prefix(self.limits.topic_prefix.as_str())
            .and_then(|rest| rest.strip_prefix("/events/"))
    }

    /// The topic a reading of `sensor` under `domain`/`district` is published on.
    pub fn topic(&self, domain: &str, district: &str, sensor: &str) -> String {
        format!("{}/{domain}/{district}/{sensor}", self.limits.topic_prefix)
    }

    /// Where an admitted unregistered sensor is bound: `(domain, district)`.
    pub fn home(&self, sensor: &str) -> Option<(DomainIdx, DistrictIdx)> {
        self.unregistered.get(sensor).copied()
    }

    /// Binds the unregistered sensors the store already holds to where it filed them (up to
    /// the cap); registered ones and names this city no longer has are skipped.
    pub fn remember_homes(&mut self, homes: &[(String, String, String)]) {
        for (id, domain, district) in homes {
            if self.unregistered.len() >= self.max_unregistered {
                break;
            }
            if self.city.sensor(id).is_some() {
                continue;
            }
            if let (Some(d), Some(k)) = (
                self.city.domain_idx(domain),
                self.city.district_idx(district),
            ) {
                self.unregistered.insert(Arc::from(id.as_str()), (d, k));
            }
        }
    }

    /// Keeps readings of an unregistered sensor only while the cap allows another one, and
    /// only under the domain and district where it was first seen: like a registered sensor
    /// published elsewhere, it is a `sensor_mismatch`, so a scoped caller who may see it never
    /// sees readings from outside its scope merged into it.
    fn admit_unregistered(&mut self, decoded: &mut Decoded) {
        let Some(first) = decoded.readings.first() else {
            return;
        };
        if first.registered {
            return;
        }
        let here = (first.domain, first.district);
        if let Some(&bound) = self.unregistered.get(&first.sensor) {
            if bound != here {
                let detail = format!(
                    "sensor {:?} is not registered and was first seen under {}/{}, not {}/{}; a sensor id belongs to one domain and district",
                    &*first.sensor,
                    self.city.domain(bound.0).name,
                    self.city.district(bound.1).id,
                    self.city.domain(here.0).name,
                    self.city.district(here.1).id,
                );
                decoded.readings.clear();
                decoded
                    .rejections
                    .push(Rejection::whole(Reason::SensorMismatch, detail));
            }
            return;
        }
        if self.unregistered.len() < self.max_unregistered {
            self.unregistered.insert(first.sensor.clone(), here);
            return;
        }
        let detail = format!(
            "sensor {:?} is not registered and {} unregistered sensors are already tracked; add it to the city file",
            &*first.sensor, self.max_unregistered
        );
        decoded.readings.clear();
        decoded
            .rejections
            .push(Rejection::whole(Reason::TooManyUnregistered, detail));
    }
}
