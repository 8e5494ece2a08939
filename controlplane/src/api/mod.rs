//! The control plane's APIs: authentication and rights checks shared by every transport
//! ([`auth`]), the table of operations with the rights each needs ([`operations`]), the
//! request rules both transports apply ([`rules`]), the HTTP/JSON API ([`http`]) and the
//! canonical gRPC API ([`grpc`], `shared/proto/api/`).

pub mod auth;
pub mod grpc;
pub mod http;
pub mod operations;
pub mod rules;
