//! Authentication and rights checks, shared by every API transport: `Authorization: Bearer`
//! with an API key (`NNSXS.<id>.<secret>`) or a session token from a password login, then the
//! rights the operation table ([`super::operations`]) asks for, on the entity the request names.
//!
//! Sessions are held in memory (a map from a random 256-bit token to the user and expiry):
//! simple, lost on restart, and per process, so behind a load balancer a session only works on
//! the instance that issued it. Each use re-reads the user, so a suspended user or a removed
//! admin flag takes effect at once. Nothing here logs a token.

use super::operations::{EntityKind, Op, Scope, id_param, operation};
use super::rules::Authorized;
use crate::identity::secrets::random_token;
use crate::identity::{IdentityError, IdentityResult, IdentityServer, Principal, RightSet, Target};
use crate::store::StoreError;
use crate::store::id::{ApplicationId, GatewayId, OrganizationId, UserId};
use crate::store::model::{EntityRef, UserState};
use std::collections::HashMap;
use std::sync::Mutex;

/// Prefix of session tokens (API keys start with `NNSXS.`).
pub const SESSION_PREFIX: &str = "SESS.";
/// Default session lifetime: one hour.
pub const DEFAULT_SESSION_TTL_MS: u64 = 3_600_000;
/// Most live sessions held; the oldest is dropped beyond it.
pub const MAX_SESSIONS: usize = 100_000;

/// Login sessions, in memory.
#[derive(Debug)]
pub struct Sessions {
    ttl_ms: u64,
    map: Mutex<HashMap<String, (UserId, u64)>>,
}

impl Sessions {
    /// An empty table issuing sessions that live `ttl_ms`.
    pub fn new(ttl_ms: u64) -> Self {
        Self {
            ttl_ms,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (UserId, u64)>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Issues a token for `user` at `now`; returns it with its expiry (Unix ms).
    pub fn issue(&self, user: UserId, now: u64) -> (String, u64) {
        let token = format!("{SESSION_PREFIX}{}", random_token(32));
        let expires = now.saturating_add(self.ttl_ms);
        let mut m = self.lock();
        m.retain(|_, (_, exp)| *exp > now);
        if m.len() >= MAX_SESSIONS
            && let Some(oldest) = m
                .iter()
                .min_by_key(|(_, (_, e))| *e)
                .map(|(k, _)| k.clone())
        {
            m.remove(&oldest);
        }
        m.insert(token.clone(), (user, expires));
        (token, expires)
    }

    /// The user of a live session.
    pub fn resolve(&self, token: &str, now: u64) -> Option<UserId> {
        let m = self.lock();
        m.get(token)
            .filter(|(_, exp)| *exp > now)
            .map(|(u, _)| u.clone())
    }

    /// Ends a session.
    pub fn revoke(&self, token: &str) {
        self.lock().remove(token);
    }
}

impl Default for Sessions {
    fn default() -> Self {
        Self::new(DEFAULT_SESSION_TTL_MS)
    }
}

/// The bearer token of an `Authorization` header value.
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let h = header?;
    let (scheme, token) = h.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Who presents `token`: an API key or a live session of an approved user.
pub async fn authenticate(
    is: &IdentityServer,
    sessions: &Sessions,
    token: Option<&str>,
) -> IdentityResult<Principal> {
    let token = token.ok_or(IdentityError::Unauthenticated("no bearer token"))?;
    if token.starts_with(SESSION_PREFIX) {
        const REFUSED: IdentityError = IdentityError::Unauthenticated("invalid or expired session");
        let user_id = sessions.resolve(token, is.now_ms()).ok_or(REFUSED)?;
        let user = match is.store().get_user(&user_id).await {
            Ok(u) if u.state == UserState::Approved => u,
            Ok(_) | Err(StoreError::NotFound { .. }) => return Err(REFUSED),
            Err(e) => return Err(e.into()),
        };
        return Ok(Principal::User {
            user_id,
            admin: user.admin,
        });
    }
    is.authenticate_api_key(token).await
}

/// Checks a password and opens a session: `(token, expires_at)`.
pub async fn login(
    is: &IdentityServer,
    sessions: &Sessions,
    user_id: &str,
    password: &str,
) -> IdentityResult<(String, u64)> {
    let user = is.check_password(user_id, password).await?;
    Ok(sessions.issue(user.user_id, is.now_ms()))
}

/// The entity of `kind` whose id is `id`; `Invalid` on the parameter if the id is malformed.
pub fn entity_ref(kind: EntityKind, param: &str, id: &str) -> IdentityResult<EntityRef> {
    let bad = |e: StoreError| IdentityError::invalid(param, e.to_string());
    Ok(match kind {
        EntityKind::User => EntityRef::User(UserId::new(id).map_err(bad)?),
        EntityKind::Organization => EntityRef::Organization(OrganizationId::new(id).map_err(bad)?),
        EntityKind::Application => EntityRef::Application(ApplicationId::new(id).map_err(bad)?),
        EntityKind::Gateway => EntityRef::Gateway(GatewayId::new(id).map_err(bad)?),
    })
}

/// Checks that `who` holds every right `op` needs on `target`; returns the caller's rights
/// there. `target` must be the entity the operation's scope names ([`Target::Network`] for
/// network and authenticated-only operations).
pub async fn authorize(
    is: &IdentityServer,
    who: &Principal,
    op: Op,
    target: &Target,
) -> IdentityResult<RightSet> {
    let row = operation(op)
        .ok_or_else(|| IdentityError::Internal(format!("{op:?} is not in the operation table")))?;
    let rights = is.rights_of(who, target).await?;
    if matches!(row.scope, Scope::Public | Scope::Authenticated) {
        return Ok(rights);
    }
    let missing = rights.missing(row.needs);
    if missing.is_empty() {
        Ok(rights)
    } else {
        tracing::debug!(?op, ?missing, "permission denied");
        Err(IdentityError::PermissionDenied(format!(
            "missing {missing:?}"
        )))
    }
}

/// The guard every transport runs before an operation: authenticate `token`, find the entity
/// the operation's scope names (`entity_id`: the id the request gives for it), check the rights
/// the table asks for there. `None` for public operations (nobody to authenticate).
pub async fn check_operation(
    is: &IdentityServer,
    sessions: &Sessions,
    op: Op,
    token: Option<&str>,
    entity_id: Option<&str>,
) -> IdentityResult<Option<Authorized>> {
    let row = operation(op)
        .ok_or_else(|| IdentityError::Internal(format!("{op:?} is not in the operation table")))?;
    if row.scope == Scope::Public {
        return Ok(None);
    }
    let principal = authenticate(is, sessions, token).await?;
    let target = match row.scope {
        Scope::Entity(kind) => {
            let name = id_param(kind);
            let id = entity_id.ok_or_else(|| IdentityError::invalid(name, "required"))?;
            Target::Entity(entity_ref(kind, name, id)?)
        }
        _ => Target::Network,
    };
    let rights = authorize(is, &principal, op, &target).await?;
    Ok(Some(Authorized {
        principal,
        rights,
        target,
    }))
}

/// Refuses to grant rights the caller does not hold itself (no escalation through keys or
/// collaborators).
pub fn check_grant(
    caller: &RightSet,
    granted: &[crate::store::model::Right],
) -> IdentityResult<()> {
    let missing = caller.missing(&RightSet::expand(granted).to_vec());
    if missing.is_empty() {
        Ok(())
    } else {
        Err(IdentityError::PermissionDenied(format!(
            "cannot grant rights the caller lacks: {missing:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_by_table() {
        let cases: &[(&str, Option<&str>, Option<&str>)] = &[
            ("bearer", Some("Bearer abc"), Some("abc")),
            ("case-insensitive scheme", Some("bearer abc"), Some("abc")),
            ("basic", Some("Basic abc"), None),
            ("no space", Some("Bearerabc"), None),
            ("absent", None, None),
        ];
        for (name, h, want) in cases {
            assert_eq!(bearer(*h), *want, "{name}");
        }
    }

    #[test]
    fn sessions_expire_and_revoke() {
        let s = Sessions::new(1000);
        let u = UserId::new("alice").unwrap();
        let (t, exp) = s.issue(u.clone(), 5000);
        assert_eq!(exp, 6000);
        assert!(t.starts_with(SESSION_PREFIX));
        assert_eq!(s.resolve(&t, 5999), Some(u));
        assert_eq!(s.resolve(&t, 6000), None);
        assert_eq!(s.resolve("SESS.other", 5000), None);
        s.revoke(&t);
        assert_eq!(s.resolve(&t, 5001), None);
    }
}
