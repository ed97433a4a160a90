//! Subscribing and unsubscribing: stream names resolved within the caller's scope (all or
//! nothing), then the hub's snapshots or resumed updates for each new stream.

use std::collections::BTreeMap;
use std::time::Instant;

use bytestring::ByteString;

use super::Conn;
use crate::push::access::ScopedCatalog;
use crate::push::frame;
use crate::push::hub::Start;
use crate::push::protocol::ProtocolError;
use crate::push::stream::{self, StreamName};
use crate::shell::now_ms;

impl Conn {
    /// Resolves every name first (all or nothing), then subscribes the new ones. Returns the
    /// ack followed by each new stream's snapshot or resumed updates.
    pub(super) fn subscribe(
        &mut self,
        id: Option<&str>,
        specs: &[String],
        resume_from: &BTreeMap<String, u64>,
        epoch: Option<&str>,
    ) -> Result<Vec<(&'static str, ByteString)>, ProtocolError> {
        let cfg = &self.push.config;
        if !self.subscribes.take(Instant::now()) {
            return Err(ProtocolError::RateLimited(cfg.subscribe_per_s));
        }
        let names = self.resolve_all(specs)?;
        let new: Vec<&StreamName> = names
            .iter()
            .filter(|n| !self.subs.contains_key(&n.name))
            .collect();
        if self.subs.len() + new.len() > cfg.max_subscriptions {
            return Err(ProtocolError::TooManySubscriptions(cfg.max_subscriptions));
        }
        let hub = self.push.hub.clone();
        let same_epoch = epoch == Some(hub.epoch());
        let now = now_ms();
        let all: Vec<&str> = names.iter().map(|n| &*n.name).collect();
        let snap = self.push.snapshots.borrow().clone();
        let mut out = vec![("control", frame::ack("subscribed", id, &all, now))];
        for n in new {
            let start = match resume_from.get(&*n.name) {
                None => Start::Snapshot,
                Some(&seq) if same_epoch => Start::ResumeFrom(seq),
                Some(_) => Start::OtherEpoch,
            };
            let kind = n.kind.as_str();
            super::super::producer::refresh(&hub, &snap, self.push.alerts.as_ref(), n);
            out.extend(
                hub.subscribe(n, &self.mailbox, start, now)
                    .into_iter()
                    .map(|f| (kind, f)),
            );
            self.subs.insert(n.name.clone(), n.clone());
            hub.metrics()
                .subscriptions
                .with_label_values(&[n.kind.as_str()])
                .inc();
        }
        Ok(out)
    }

    pub(super) fn unsubscribe(
        &mut self,
        id: Option<&str>,
        specs: &[String],
    ) -> Result<Vec<(&'static str, ByteString)>, ProtocolError> {
        let names = self.resolve_all(specs)?;
        let hub = self.push.hub.clone();
        let mut removed = Vec::new();
        for n in &names {
            if let Some(s) = self.subs.remove(&n.name) {
                hub.unsubscribe(&s.name, &self.mailbox);
                hub.metrics()
                    .subscriptions
                    .with_label_values(&[s.kind.as_str()])
                    .dec();
                removed.push(&*n.name);
            }
        }
        Ok(vec![(
            "control",
            frame::ack("unsubscribed", id, &removed, now_ms()),
        )])
    }

    fn resolve_all(&self, specs: &[String]) -> Result<Vec<StreamName>, ProtocolError> {
        let scope = match &self.authn.principal {
            Some(p) => &p.scope,
            None => return Err(ProtocolError::Unauthenticated),
        };
        let live = crate::shell::lock::read(&self.push.live);
        let catalog = ScopedCatalog { live: &live, scope };
        let mut names = Vec::new();
        for spec in specs {
            for n in stream::resolve(spec, &catalog)? {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
        Ok(names)
    }
}
