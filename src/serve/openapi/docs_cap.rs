//! CAP 1.2 public warnings: the Atom index and one warning's CAP document (docs/cap.md).

use super::doc::{Answer, Doc};
use super::schema::string;
use crate::serve::table::Verb::Get;

pub(super) fn docs() -> Vec<Doc> {
    vec![
        Doc::new(Get, "/api/v1/cap", "listPublicWarnings", "cap", "Active public warnings (Atom)")
            .describe("An Atom 1.0 feed of the active public warnings: the firing or acknowledged alerts of rules marked `public = true`. Each entry's `id` is the warning's CAP identifier and its `alternate` link (`application/cap+xml`) is `/api/v1/cap/{id}`; links are absolute, built from the host the request reached. Mapping: docs/cap.md.")
            .answer(xml("the feed", "application/atom+xml"))
            .errors(&["internal"]),
        Doc::new(Get, "/api/v1/cap/{id}", "getPublicWarning", "cap", "One public warning (CAP 1.2)")
            .describe("The alert as a CAP 1.2 `alert` (namespace `urn:oasis:names:tc:emergency:cap:1.2`, valid against OASIS's CAP-v1.2.xsd) with a `vi-VN` and an `en-US` `info` block: `msgType` `Alert` while it fires or is acknowledged, `Cancel` (with `references` to that `Alert`) once it resolved. An alert of a rule that is not public, or one still pending, is `alert_not_found` like an unknown id.")
            .path("id", "the alert id, a positive integer")
            .answer(xml("the warning", "application/cap+xml"))
            .errors(&["alert_not_found", "internal"]),
    ]
}

/// A `200` with an XML body of `media`.
fn xml(description: &'static str, media: &'static str) -> Answer {
    Answer {
        status: 200,
        description,
        content: vec![(media, string())],
    }
}
