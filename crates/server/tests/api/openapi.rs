//! `/api/openapi.json` is an OpenAPI 3.1 document that covers every route.

use axum::body::Body;
use axum::http::{Method, Request};
use portal_server::routes::API_PATHS;

use crate::common::*;

#[tokio::test]
async fn the_document_is_openapi_3_1_and_covers_every_route() {
    let app = TestApp::new().await;
    let answer = app
        .send(
            Request::get("/api/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.headers["content-type"], "application/json");
    let doc = &answer.json;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    let spec = oas3::from_json(&answer.text).expect("a valid OpenAPI 3.1 document");
    assert_eq!(spec.info.title, "Enrollment Portal API");

    // Every wire path is routed.
    for wire_path in [
        wire::api::paths::SESSION,
        wire::api::paths::SESSION_HANDOFF,
        wire::api::paths::SESSION_EXCHANGE,
        wire::api::paths::IS_DEVICE_ACTIVATED,
        wire::api::paths::IS_ACCOUNT_BLOCKED,
        wire::api::paths::TRUSTED_PHONE,
        wire::api::paths::SMS_CODE_REQUEST,
        wire::api::paths::SMS_CODE,
        wire::api::paths::ENROLLMENT,
        wire::api::paths::PIN_CODE,
        wire::api::paths::OTP,
        wire::api::paths::DEVICES,
        wire::api::paths::VEHICLES,
        wire::api::paths::EVENTS,
        wire::api::paths::CONFIG,
        wire::api::paths::OUTBOX,
    ] {
        let path = wire_path.split('?').next().unwrap();
        assert!(API_PATHS.contains(&path), "{path} is not in API_PATHS");
    }

    // Each method the router answers on each path is documented, and nothing else.
    let documented = doc["paths"].as_object().unwrap();
    for path in API_PATHS {
        for method in [
            Method::GET,
            Method::POST,
            Method::DELETE,
            Method::PUT,
            Method::PATCH,
        ] {
            let request = Request::builder()
                .method(method.clone())
                .uri(*path)
                .body(Body::empty())
                .unwrap();
            let routed = app.send(request).await.status;
            assert_ne!(routed, 404, "{method} {path} is not routed");
            let in_doc = documented
                .get(*path)
                .and_then(|item| item.get(method.as_str().to_lowercase()))
                .is_some();
            assert_eq!(
                routed != 405,
                in_doc,
                "{method} {path}: router {routed}, documented {in_doc}"
            );
        }
    }
    for path in documented.keys() {
        assert!(
            API_PATHS.contains(&path.as_str()),
            "{path} is documented but not routed"
        );
    }

    // Every operation answers with envelopes, failures included.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "Failed",
        "ErrorBody",
        "SucceededNull",
        "SessionCreatedEnvelope",
        "SignIn",
    ] {
        assert!(schemas.contains_key(name), "schema {name}");
    }
    for (path, item) in documented {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.contains_key("200"), "{method} {path}");
            if path.as_str() != "/api/openapi.json" && path.as_str() != "/api/v1/config" {
                assert!(
                    responses
                        .values()
                        .any(|r| r.to_string().contains("#/components/schemas/Failed")),
                    "{method} {path} documents no failure"
                );
            }
        }
    }
}

#[tokio::test]
async fn every_operation_but_the_public_ones_documents_the_dpop_proof() {
    let app = TestApp::new().await;
    let answer = app
        .send(
            Request::get("/api/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(!answer.text.contains("X-Device-Id"), "X-Device-Id is gone");
    let public = ["/api/openapi.json", "/api/v1/config"];
    for (path, item) in answer.json["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let dpop = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["name"] == "DPoP");
            if public.contains(&path.as_str()) {
                assert!(dpop.is_none(), "{method} {path} needs no proof");
                continue;
            }
            let dpop = dpop.unwrap_or_else(|| panic!("{method} {path} documents no DPoP"));
            assert_eq!(dpop["in"], "header");
            assert_eq!(dpop["required"], true, "{method} {path}");
            let bad_request = operation["responses"]["400"]["description"]
                .as_str()
                .unwrap_or_default();
            for code in ["2101", "2102", "DPoP"] {
                assert!(
                    bad_request.contains(code),
                    "{method} {path}: 400 says nothing of {code}: {bad_request}"
                );
            }
            if operation.get("security").is_some() && path != "/api/v1/session" {
                let unauthorised = operation["responses"]["401"]["description"]
                    .as_str()
                    .unwrap_or_default();
                assert!(
                    unauthorised.contains("2301") && unauthorised.contains("another key"),
                    "{method} {path}: {unauthorised}"
                );
            }
        }
    }
}
