//! The OpenAPI 3.1 document of the whole REST API (`GET /api/v1/openapi.json`), generated
//! from the code: the paths, methods and access come from the route table
//! (`serve/table.rs`, [`ROUTES`]), what the table cannot say from the documentation tables
//! beside this file (`docs_*.rs`, one per area, keyed by (verb, template)), and the error
//! answers' codes and statuses from the one error table (`serve/error.rs`).
//!
//! [`build`] refuses a route without documentation and documentation of no route, naming
//! each, so the unit tests fail the moment a row is added to the table undocumented.
//!
//! # Layout
//! - `doc.rs`: [`Doc`], one route's documentation; `schema.rs`: JSON Schema helpers and the
//!   shared `components.schemas`; `errors.rs`: error answers grouped by status.
//! - `docs_ops.rs` (health, dashboard, metrics, the caller, this document, rejections),
//!   `docs_city.rs` (city, sensors, indicators, KPI), `docs_series.rs` (history, the
//!   WebSocket), `docs_reports.rs`, `docs_ngsi.rs`, `docs_alerts.rs`, `docs_cap.rs` (the CAP feed), `docs_admin.rs`.

mod doc;
mod docs_admin;
mod docs_alerts;
mod docs_cap;
mod docs_city;
mod docs_incidents;
mod docs_ngsi;
mod docs_ops;
mod docs_reports;
mod docs_series;
mod errors;
mod schema;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::sync::LazyLock;

use serde_json::{json, Map, Value};

use super::error::ApiError;
use super::table::{Verb, ROUTES, STREAM_ROUTE};
use crate::auth::{Access, Role};
use doc::{Doc, In};

/// What the builder reads of one row of the route table.
#[derive(Debug, Clone, Copy)]
struct Endpoint {
    verb: Verb,
    template: &'static str,
    access: Access,
}

/// Where the route table and its documentation disagree, each problem named.
#[derive(Debug, thiserror::Error)]
#[error("the OpenAPI document does not match the route table (serve/table.rs, serve/openapi/docs_*.rs): {}", .problems.join("; "))]
pub(crate) struct Mismatch {
    pub(crate) problems: Vec<String>,
}

/// Built once, on the first request: the tables are compiled in and never change.
static DOCUMENT: LazyLock<Result<String, Mismatch>> =
    LazyLock::new(|| build(&endpoints(), &docs()).map(|d| d.to_string()));

/// The document as served; a mismatch (which the unit tests refuse before it ships) is a
/// 500 that names it.
pub(crate) fn document() -> Result<&'static str, ApiError> {
    match &*DOCUMENT {
        Ok(text) => Ok(text),
        Err(e) => Err(ApiError::Internal(e.to_string())),
    }
}

fn endpoints() -> Vec<Endpoint> {
    ROUTES
        .iter()
        .map(|r| Endpoint {
            verb: r.verb,
            template: r.template,
            access: r.access,
        })
        .collect()
}

/// Every route's documentation, area by area.
fn docs() -> Vec<Doc> {
    [
        docs_ops::docs(),
        docs_city::docs(),
        docs_series::docs(),
        docs_reports::docs(),
        docs_ngsi::docs(),
        docs_alerts::docs(),
        docs_cap::docs(),
        docs_incidents::docs(),
        docs_admin::docs(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The document for these routes, or every problem found: a route without documentation,
/// documentation of no route (or twice of one), a repeated operation id, an error code the
/// error table lacks, a path parameter the template lacks.
fn build(routes: &[Endpoint], docs: &[Doc]) -> Result<Value, Mismatch> {
    let mut problems = Vec::new();
    let mut paths = Map::new();
    let mut ids = BTreeSet::new();
    let mut tags: Vec<&str> = Vec::new();
    for route in routes {
        let name = format!("{} {}", method(route.verb).to_uppercase(), route.template);
        let Some(doc) = docs
            .iter()
            .find(|d| (d.verb, d.template) == (route.verb, route.template))
        else {
            problems.push(format!("{name} has no documentation"));
            continue;
        };
        if !ids.insert(doc.operation_id) {
            problems.push(format!(
                "{name}: operationId {:?} is taken",
                doc.operation_id
            ));
        }
        if !tags.contains(&doc.tag) {
            tags.push(doc.tag);
        }
        match operation(route, doc) {
            Ok(op) => {
                let item = paths
                    .entry(openapi_path(route.template))
                    .or_insert_with(|| json!({}));
                item[method(route.verb)] = op;
            }
            Err(found) => problems.extend(found.into_iter().map(|p| format!("{name}: {p}"))),
        }
    }
    for doc in docs {
        let key = (doc.verb, doc.template);
        let name = format!("{} {}", method(doc.verb).to_uppercase(), doc.template);
        if !routes.iter().any(|r| (r.verb, r.template) == key) {
            problems.push(format!("the documentation of {name} names no route"));
        }
        let twice = format!("{name} is documented twice");
        if docs.iter().filter(|d| (d.verb, d.template) == key).count() > 1
            && !problems.contains(&twice)
        {
            problems.push(twice);
        }
    }
    if !problems.is_empty() {
        return Err(Mismatch { problems });
    }
    let tags: Vec<Value> = tags.iter().map(|t| json!({ "name": t })).collect();
    Ok(json!({
        "openapi": "3.1.0",
        "info": {
            "title": "ioc: smart-city Intelligent Operations Center API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Generated from the route table (src/serve/table.rs) and its documentation (src/serve/openapi/). Times are unix ms (UTC); every error is `{\"code\", \"message\"}`. Prose: docs/api.md; the WebSocket protocol: docs/websocket.md.",
        },
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": schema::components(),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "`Authorization: Bearer <token>`: an API key (`ioc_<id>_<secret>`) or, when `auth.jwt_algorithm` is set, a JWT (role in claim `ioc_role`, scope in `ioc_scope`).",
                },
            },
        },
        "security": [{ "bearer": [] }],
    }))
}

/// One operation object, or what is wrong with its documentation.
fn operation(route: &Endpoint, doc: &Doc) -> Result<Value, Vec<String>> {
    let mut problems = Vec::new();
    let names = path_names(route.template);
    let mut params: Vec<Value> = names
        .iter()
        .map(|name| {
            let described = doc
                .params
                .iter()
                .find(|p| p.at == In::Path && p.name == *name);
            json!({
                "name": name,
                "in": "path",
                "required": true,
                "schema": described.map_or_else(schema::string, |p| p.schema.clone()),
                "description": described.map_or("", |p| p.description),
            })
        })
        .collect();
    for p in &doc.params {
        match p.at {
            In::Path if !names.contains(&p.name) => {
                problems.push(format!(
                    "path parameter {:?} is not in the template",
                    p.name
                ));
            }
            In::Path => {}
            In::Query => params.push(json!({
                "name": p.name,
                "in": "query",
                "required": p.required,
                "schema": p.schema,
                "description": p.description,
            })),
        }
    }
    let has_query = doc.params.iter().any(|p| p.at == In::Query);
    let mut codes = errors::common(route.access, has_query, doc.body.is_some());
    codes.extend_from_slice(doc.errors);
    let mut responses = match errors::responses(&codes) {
        Ok(r) => r,
        Err(unknown) => {
            problems.push(format!("unknown error codes {unknown:?}"));
            Map::new()
        }
    };
    if doc.answers.is_empty() {
        problems.push("no answer documented".to_owned());
    }
    for answer in &doc.answers {
        let mut res = json!({ "description": answer.description });
        if !answer.content.is_empty() {
            let content: Map<String, Value> = answer
                .content
                .iter()
                .map(|(media, s)| ((*media).to_owned(), json!({ "schema": s })))
                .collect();
            res["content"] = Value::Object(content);
        }
        responses.insert(answer.status.to_string(), res);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut op = json!({
        "operationId": doc.operation_id,
        "tags": [doc.tag],
        "summary": doc.summary,
        "description": format!("{}\n\n{}", doc.description, access_note(route.access)).trim_start().to_owned(),
        "parameters": params,
        "responses": responses,
        "security": security(route),
        "x-ioc-access": format!("{:?}", route.access),
        "x-ioc-roles": roles(route.access),
    });
    if let Some(body) = &doc.body {
        op["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": body } },
        });
    }
    Ok(op)
}

/// Public routes need no credential; the WebSocket may instead authenticate in its first
/// message (docs/websocket.md), hence its empty alternative.
fn security(route: &Endpoint) -> Value {
    match route.access {
        Access::Public => json!([]),
        _ if route.template == STREAM_ROUTE => json!([{ "bearer": [] }, {}]),
        _ => json!([{ "bearer": [] }]),
    }
}

/// The roles that may call a route of this access, from the one role policy.
fn roles(access: Access) -> Vec<&'static str> {
    if access == Access::Public {
        return Vec::new();
    }
    Role::ALL
        .iter()
        .filter(|r| r.permits(access))
        .map(|r| r.as_str())
        .collect()
}

fn access_note(access: Access) -> String {
    let roles = roles(access).join(", ");
    match access {
        Access::Public => "Access `Public`: no credential needed.".to_owned(),
        Access::Read => {
            format!("Access `Read` (roles {roles}): answers are limited to the caller's scope.")
        }
        Access::Operations => format!("Access `Operations` (roles {roles}): an unscoped key."),
        other => format!("Access `{other:?}` (roles {roles})."),
    }
}

fn method(verb: Verb) -> &'static str {
    match verb {
        Verb::Get => "get",
        Verb::Post => "post",
        Verb::Delete => "delete",
    }
}

/// The names of a template's `{name}` (or `{name:regex}`) segments.
fn path_names(template: &str) -> Vec<&str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|s| s.split('}').next())
        .map(|s| s.split(':').next().unwrap_or(s))
        .collect()
}

/// The template as OpenAPI writes it: actix's `{name}` is already that form; a
/// `{name:regex}` loses its pattern.
fn openapi_path(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        let close = rest.find('}').unwrap_or(rest.len());
        let name = &rest[..close];
        out.push_str(name.split(':').next().unwrap_or(name));
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}
