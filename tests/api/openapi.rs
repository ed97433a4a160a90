//! `GET /api/v1/openapi.json` over real HTTP: an OpenAPI 3.1 document listing every route of
//! `ioc::serve::ROUTES` with its method, its path parameters and unique operation ids.

use serde_json::Value;

use crate::helpers::{spawn_app, BrokerKind};

fn method(verb: ioc::serve::Verb) -> &'static str {
    match verb {
        ioc::serve::Verb::Get => "get",
        ioc::serve::Verb::Post => "post",
        ioc::serve::Verb::Delete => "delete",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_openapi_document_lists_every_route_with_its_method() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let res = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    let content_type = res.headers()[reqwest::header::CONTENT_TYPE]
        .to_str()
        .expect("content type")
        .to_owned();
    let text = res.text().await.expect("body");
    assert_eq!(status, 200, "{text}");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let doc: Value = serde_json::from_str(&text).expect("JSON");

    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let missing: Vec<String> = ioc::serve::ROUTES
        .iter()
        .filter(|r| !doc["paths"][r.template][method(r.verb)].is_object())
        .map(|r| format!("{:?} {}", r.verb, r.template))
        .collect();
    assert!(
        missing.is_empty(),
        "routes missing from the document: {missing:?}"
    );
    for r in ioc::serve::ROUTES {
        let op = &doc["paths"][r.template][method(r.verb)];
        assert_eq!(
            op["x-ioc-access"],
            format!("{:?}", r.access),
            "{}",
            r.template
        );
    }
    let public = &doc["paths"]["/healthz"]["get"]["security"];
    assert_eq!(public.as_array().map(Vec::len), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_needs_a_credential() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let res = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 401);
}
