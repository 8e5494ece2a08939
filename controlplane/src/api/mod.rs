//! The control plane's APIs: authentication and rights checks shared by every transport
//! ([`auth`]), the table of operations with the rights each needs ([`operations`]), and the
//! HTTP/JSON API ([`http`]).

pub mod auth;
pub mod http;
pub mod operations;
