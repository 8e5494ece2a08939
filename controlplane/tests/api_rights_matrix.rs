//! The rights matrix over HTTP (the walk itself is `api_support/matrix.rs`, shared with the
//! gRPC API): 401 without credentials, 403 lacking any one needed right, 2xx with exactly the
//! needed rights, for every row of the operation table.

mod api_support;

use api_support::matrix::{self, Outcome, Transport, World, key, method, user};
use api_support::{Server, start};
use controlplane::api::operations::{OPERATIONS, Operation};
use controlplane::identity::ApiKeyInput;
use controlplane::store::model::{EntityRef, Right};

/// The HTTP/JSON API as a matrix transport.
struct Http<'a>(&'a Server);

impl Transport for Http<'_> {
    async fn send(&self, row: &Operation, w: &World, token: Option<&str>) -> Option<Outcome> {
        let r = self
            .0
            .call(method(row), &w.path(row), token, w.body(row.op))
            .await;
        Some(match r.status {
            200..=299 => Outcome::Ok,
            401 => Outcome::Unauthenticated,
            403 => Outcome::PermissionDenied,
            s => Outcome::Other(format!("{s} {}", r.text)),
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_needs_exactly_its_rights() {
    let s = start().await;
    let unserved = matrix::run(&s, &Http(&s)).await;
    assert!(
        unserved.is_empty(),
        "HTTP serves every operation: {unserved:?}"
    );

    // Keys are bounded by their owner: a non-admin's RIGHT_ALL key is no admin key.
    let k = key(&s, &user(0), vec![Right::RightAll]).await;
    assert_eq!(
        s.call("GET", "/api/v1/users", Some(&k), None).await.status,
        403
    );
    // ... and by the owner's memberships: user 1's key does not reach user 0's application.
    let k = key(&s, &user(1), vec![Right::RightAll]).await;
    assert_eq!(
        s.call("GET", "/api/v1/applications/a000", Some(&k), None)
            .await
            .status,
        403
    );
    // An application key acts on its application only.
    let app_key = s
        .state
        .identity
        .create_api_key(
            EntityRef::Application("a001".to_owned().try_into().unwrap()),
            ApiKeyInput {
                name: None,
                rights: Some(vec![Right::RightApplicationAll]),
                expires_at: None,
            },
        )
        .await
        .unwrap()
        .key;
    assert_eq!(
        s.call("GET", "/api/v1/applications/a001", Some(&app_key), None)
            .await
            .status,
        200
    );
    assert_eq!(
        s.call("GET", "/api/v1/applications/a002", Some(&app_key), None)
            .await
            .status,
        403
    );

    // The OpenAPI document and the router come from the same table.
    let doc = s.call("GET", "/api/v1/openapi.json", None, None).await.body;
    let listed: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(listed, OPERATIONS.len());
}
