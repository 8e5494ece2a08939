//! Which endpoint a station's HTTP upgrade asks for, and whether its traffic connection may
//! open: the path (`/router-info`, `/traffic/<EUI>`), the gateway registry, and the token in
//! `Authorization`.
//!
//! Statuses follow The Things Stack's `semtechws` handler (`handleTraffic` in
//! `pkg/gatewayserver/io/semtechws/semtechws.go`): an EUI in the path it cannot read is
//! `InvalidArgument` (400), a gateway the registry does not know is `NotFound` (404), missing
//! credentials are `Unauthenticated` (401) and credentials that do not grant the gateway are
//! refused (403). Like TTS, the header may carry the raw token or `Bearer <token>`. A gateway
//! with no token hash in the registry is served without `Authorization`, as Semtech UDP
//! gateways are. The hash is the argon2id PHC string the control plane's Identity Server keeps
//! (`identity/secrets.rs` `hash_token`); its cost parameters come from the string.

use crate::gateway::registry::GatewayRegistry;
use argon2::password_hash::{PasswordHash, PasswordVerifier};
use shared::basicstation::parse_eui;
use shared::types::Eui64;

/// Longest token checked (bounds the hashing work a request can cause).
pub const MAX_TOKEN: usize = 1024;

/// The endpoint an upgrade request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET /router-info`: discovery.
    RouterInfo,
    /// `GET /traffic/<EUI>`: the traffic connection of a gateway.
    Traffic(Eui64),
}

/// Why an upgrade is refused, with the HTTP status it is answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// No such endpoint (404).
    #[error("no such endpoint")]
    UnknownPath,
    /// The EUI in the traffic path is unreadable (400).
    #[error("invalid gateway EUI in path")]
    BadEui,
    /// The gateway is not registered (404).
    #[error("unknown gateway")]
    UnknownGateway,
    /// The gateway has a token and the request carries none (401).
    #[error("missing authorization")]
    MissingAuth,
    /// The token does not match the gateway's (403).
    #[error("invalid token")]
    BadAuth,
}

impl Refusal {
    /// The HTTP status answered.
    pub fn status(self) -> u16 {
        match self {
            Self::UnknownPath | Self::UnknownGateway => 404,
            Self::BadEui => 400,
            Self::MissingAuth => 401,
            Self::BadAuth => 403,
        }
    }

    /// Metric label.
    pub fn label(self) -> &'static str {
        match self {
            Self::UnknownPath => "unknown_path",
            Self::BadEui => "bad_eui",
            Self::UnknownGateway => "unknown_gateway",
            Self::MissingAuth => "missing_auth",
            Self::BadAuth => "bad_auth",
        }
    }
}

/// The endpoint of a request path (a query string is ignored).
pub fn endpoint(path: &str) -> Result<Endpoint, Refusal> {
    let path = path.split('?').next().unwrap_or_default();
    let path = path.strip_suffix('/').unwrap_or(path);
    if path == "/router-info" {
        return Ok(Endpoint::RouterInfo);
    }
    match path.strip_prefix("/traffic/") {
        Some(id) if !id.contains('/') => parse_eui(id, "path")
            .map(Endpoint::Traffic)
            .map_err(|_| Refusal::BadEui),
        _ => Err(Refusal::UnknownPath),
    }
}

/// Whether a traffic connection for `eui` with `authorization` (the header's value) may open.
pub fn admit(
    registry: &GatewayRegistry,
    eui: Eui64,
    authorization: Option<&[u8]>,
) -> Result<(), Refusal> {
    let record = registry.get(&eui).ok_or(Refusal::UnknownGateway)?;
    let Some(hash) = record.auth_token_hash.as_deref() else {
        return Ok(());
    };
    let header = authorization.ok_or(Refusal::MissingAuth)?;
    let header = std::str::from_utf8(header)
        .map_err(|_| Refusal::BadAuth)?
        .trim();
    if header.is_empty() {
        return Err(Refusal::MissingAuth);
    }
    let token = header.strip_prefix("Bearer ").unwrap_or(header).trim();
    if verify_token(token, hash) {
        Ok(())
    } else {
        Err(Refusal::BadAuth)
    }
}

/// Whether `token` matches the argon2 PHC `hash` (constant-time compare in `password-hash`).
pub fn verify_token(token: &str, hash: &str) -> bool {
    token.len() <= MAX_TOKEN
        && PasswordHash::new(hash).is_ok_and(|h| {
            argon2::Argon2::default()
                .verify_password(token.as_bytes(), &h)
                .is_ok()
        })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::gateway::registry::GatewayRecord;

    /// argon2id of `token` at the Identity Server's token cost (m = 8 KiB, t = 1, p = 1), made
    /// with the `argon2` crate's `hash_password` as `identity/secrets.rs` does.
    pub(crate) fn hash(token: &str) -> String {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let params = argon2::Params::new(argon2::Params::MIN_M_COST, 1, 1, None).unwrap();
        let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let salt = SaltString::from_b64("c2FsdHNhbHRzYWx0").unwrap();
        a.hash_password(token.as_bytes(), &salt)
            .unwrap()
            .to_string()
    }

    fn registry() -> GatewayRegistry {
        let rec = |eui, hash: Option<&str>| GatewayRecord {
            eui: Eui64::from_u64(eui),
            id: String::new(),
            region: Some("EU868".into()),
            auth_token_hash: hash.map(str::to_owned),
        };
        let h = hash("s3cret-token");
        GatewayRegistry::new([rec(1, Some(&h)), rec(2, None)]).unwrap()
    }

    #[test]
    fn paths_name_endpoints() {
        let cases: &[(&str, Result<Endpoint, Refusal>)] = &[
            ("/router-info", Ok(Endpoint::RouterInfo)),
            ("/router-info/", Ok(Endpoint::RouterInfo)),
            (
                "/traffic/0000000000000001",
                Ok(Endpoint::Traffic(Eui64::from_u64(1))),
            ),
            (
                "/traffic/eui-0000000000000001",
                Ok(Endpoint::Traffic(Eui64::from_u64(1))),
            ),
            (
                "/traffic/::1?x=y",
                Ok(Endpoint::Traffic(Eui64::from_u64(1))),
            ),
            ("/traffic/zz", Err(Refusal::BadEui)),
            ("/traffic/1/2", Err(Refusal::UnknownPath)),
            ("/", Err(Refusal::UnknownPath)),
            ("", Err(Refusal::UnknownPath)),
        ];
        for (path, want) in cases {
            assert_eq!(endpoint(path), *want, "{path}");
        }
    }

    #[test]
    fn admission_by_registry_and_token() {
        let r = registry();
        let e = Eui64::from_u64;
        type Case<'a> = (&'a str, u64, Option<&'a [u8]>, Result<(), Refusal>);
        let cases: &[Case<'_>] = &[
            ("raw token", 1, Some(b"s3cret-token"), Ok(())),
            ("bearer token", 1, Some(b"Bearer s3cret-token"), Ok(())),
            (
                "wrong token",
                1,
                Some(b"Bearer nope"),
                Err(Refusal::BadAuth),
            ),
            ("no header", 1, None, Err(Refusal::MissingAuth)),
            ("empty header", 1, Some(b" "), Err(Refusal::MissingAuth)),
            ("not utf-8", 1, Some(&[0xFF, 0xFE]), Err(Refusal::BadAuth)),
            ("no token set", 2, None, Ok(())),
            (
                "unknown gateway",
                3,
                Some(b"s3cret-token"),
                Err(Refusal::UnknownGateway),
            ),
        ];
        for (name, eui, header, want) in cases {
            assert_eq!(admit(&r, e(*eui), *header), *want, "{name}");
        }
        let long = "x".repeat(MAX_TOKEN + 1);
        let h = hash("s3cret-token");
        assert!(verify_token("s3cret-token", &h));
        assert!(!verify_token(&long, &h));
        assert!(!verify_token("s3cret-token", "not a phc string"));
    }
}
