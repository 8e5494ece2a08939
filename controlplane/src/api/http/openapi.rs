//! The OpenAPI 3 document, generated from the operation table at request time, so it lists
//! every route by construction. Hand-built `serde_json` rather than `utoipa`: no proc-macro
//! crate in the build, and the table already holds paths, methods and rights; request and
//! response bodies are described as JSON objects, not field by field.

use crate::api::operations::{OPERATIONS, Scope};
use axum::Json;
use serde_json::{Map, Value, json};

/// The document.
pub fn openapi_document() -> Value {
    let mut paths = Map::new();
    for row in OPERATIONS {
        let params: Vec<Value> = row
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let mut op = json!({
            "operationId": format!("{:?}", row.op).replace(['(', ')'], ""),
            "summary": row.summary,
            "parameters": params,
            "x-required-rights": row.needs,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
                "201": {"description": "Created"},
                "204": {"description": "Deleted"},
                "400": {"$ref": "#/components/responses/Error"},
                "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"},
                "404": {"$ref": "#/components/responses/Error"},
                "409": {"$ref": "#/components/responses/Error"}
            }
        });
        if row.scope == Scope::Public {
            op["security"] = json!([]);
        }
        if matches!(
            row.method,
            crate::api::operations::Method::Post | crate::api::operations::Method::Put
        ) {
            op["requestBody"] =
                json!({"content": {"application/json": {"schema": {"type": "object"}}}});
        }
        let entry = paths
            .entry(row.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = entry {
            m.insert(row.method.lower().to_owned(), op);
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Control plane API", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                "description": "API key NNSXS.<id>.<secret> or a session token from /api/v1/auth/login"}},
            "responses": {"Error": {"description": "Error", "content": {"application/json": {"schema": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {"type": "array", "items": {"type": "object", "properties": {
                        "field": {"type": "string"}, "reason": {"type": "string"}}}}
                }}}}}}
        }
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn serve() -> Json<Value> {
    Json(openapi_document())
}
