use std::collections::BTreeSet;

use serde_json::Value;

use super::doc::Doc;
use super::*;

fn built() -> Value {
    build(&endpoints(), &docs()).unwrap_or_else(|e| panic!("{e}"))
}

fn problems(routes: &[Endpoint], docs: &[Doc]) -> Vec<String> {
    match build(routes, docs) {
        Ok(_) => Vec::new(),
        Err(e) => e.problems,
    }
}

/// The requirement: a row added to `ROUTES` without a doc entry fails here, naming it.
#[test]
fn every_route_in_the_table_is_documented_and_every_doc_names_a_route() {
    let found = problems(&endpoints(), &docs());
    assert!(
        found.is_empty(),
        "document these routes in serve/openapi/docs_*.rs (or drop stale entries):\n{}",
        found.join("\n")
    );
    assert!(document().is_ok());
}

#[test]
fn a_route_added_without_documentation_is_refused_by_name() {
    let mut routes = endpoints();
    routes.push(Endpoint {
        verb: Verb::Get,
        template: "/api/v1/undocumented/{thing}",
        access: Access::Read,
    });
    let found = problems(&routes, &docs());
    assert_eq!(
        found,
        ["GET /api/v1/undocumented/{thing} has no documentation"]
    );
}

#[test]
fn documentation_of_no_route_is_refused_by_name() {
    let routes: Vec<Endpoint> = endpoints()
        .into_iter()
        .filter(|r| r.template != "/api/v1/kpi")
        .collect();
    let found = problems(&routes, &docs());
    assert_eq!(
        found,
        ["the documentation of GET /api/v1/kpi names no route"]
    );
}

#[test]
fn an_error_code_missing_from_the_error_table_is_refused() {
    let mut docs = docs();
    docs.retain(|d| d.template != "/api/v1/kpi");
    docs.push(
        Doc::new(Verb::Get, "/api/v1/kpi", "getKpi", "indicators", "KPI")
            .ok("the KPI", schema::string())
            .errors(&["no_such_code"]),
    );
    let found = problems(&endpoints(), &docs);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("no_such_code"), "{found:?}");
}

#[test]
fn the_document_is_openapi_3_1_with_the_crate_version_and_bearer_security() {
    let doc = built();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(
        (&bearer["type"], &bearer["scheme"]),
        (&"http".into(), &"bearer".into())
    );
    assert!(doc["components"]["schemas"]["Error"]["properties"]["code"].is_object());
}

#[test]
fn every_route_appears_with_its_method_access_and_security() {
    let doc = built();
    for route in ROUTES {
        let op = &doc["paths"][route.template][method(route.verb)];
        assert!(
            op.is_object(),
            "{:?} {} is missing",
            route.verb,
            route.template
        );
        assert_eq!(op["x-ioc-access"], format!("{:?}", route.access));
        let security = op["security"].as_array().expect("security");
        assert_eq!(
            security.is_empty(),
            route.access == Access::Public,
            "{}",
            route.template
        );
        assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()));
    }
}

#[test]
fn every_path_parameter_is_declared_and_operation_ids_are_unique() {
    let doc = built();
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let names: BTreeSet<&str> = path_names(path).into_iter().collect();
        for (verb, op) in item.as_object().expect("path item") {
            let declared: BTreeSet<&str> = op["parameters"]
                .as_array()
                .expect("parameters")
                .iter()
                .filter(|p| p["in"] == "path" && p["required"] == true)
                .filter_map(|p| p["name"].as_str())
                .collect();
            assert_eq!(declared, names, "{verb} {path}");
            let id = op["operationId"].as_str().expect("operationId");
            assert!(ids.insert(id.to_owned()), "operationId {id} twice");
        }
    }
}

#[test]
fn every_schema_reference_resolves() {
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let doc = built();
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for r in found {
        let name = r.strip_prefix("#/components/schemas/").expect("local ref");
        assert!(doc["components"]["schemas"][name].is_object(), "{r}");
    }
}

#[test]
fn error_answers_take_their_status_and_codes_from_the_error_table() {
    let doc = built();
    let ack = &doc["paths"]["/api/v1/alerts/{id}/ack"]["post"]["responses"];
    let conflict = &ack["409"]["content"]["application/json"]["schema"]["allOf"][1];
    let codes = conflict["properties"]["code"]["enum"]
        .as_array()
        .expect("codes");
    assert_eq!(codes.len(), 3, "{codes:?}");
    assert!(ack["404"]["description"]
        .as_str()
        .is_some_and(|d| d.contains("alert_not_found")));
    assert!(ack["413"].is_object() && ack["401"]["headers"]["WWW-Authenticate"].is_object());
    let health = &doc["paths"]["/healthz"]["get"]["responses"];
    assert!(health["401"].is_null() && health["429"].is_object());
}

#[test]
fn series_takes_a_metric_or_an_indicator() {
    let doc = built();
    let params = doc["paths"]["/api/v1/series"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .clone();
    let find = |n: &str| params.iter().find(|p| p["name"] == n).cloned().expect(n);
    assert_eq!(find("metric")["required"], false);
    let indicator = find("indicator");
    assert_eq!(indicator["required"], false);
    assert!(indicator["schema"]["enum"]
        .as_array()
        .is_some_and(|e| e.iter().any(|v| v == "vn_aqi_hourly")));
}

#[test]
fn actix_templates_become_openapi_paths() {
    assert_eq!(openapi_path("/a/{id}/b"), "/a/{id}/b");
    assert_eq!(openapi_path(r"/a/{id:\d+}"), "/a/{id}");
    assert_eq!(path_names("/a/{x}/b/{y:[a-z]+}"), ["x", "y"]);
}
