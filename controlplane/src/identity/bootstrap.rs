//! First start: when the store holds no user, create the network administrator and an API key
//! with `RIGHT_ALL` for them, and hand both secrets back once for the operator to record.

use super::IdentityServer;
use super::api_keys::ApiKeyInput;
use super::error::IdentityResult;
use super::secrets::random_token;
use super::users::UserInput;
use crate::store::PageRequest;
use crate::store::id::UserId;
use crate::store::model::{EntityRef, Right};
use std::fmt;

/// What a first start created; printed once by the caller, never stored in clear.
#[derive(Clone)]
pub struct Bootstrapped {
    /// The administrator's id.
    pub user_id: UserId,
    /// The password, when it was generated here (`None`: the caller supplied it).
    pub generated_password: Option<String>,
    /// The administrator's API key text (`NNSXS...`), with `RIGHT_ALL`.
    pub api_key: String,
}

impl fmt::Debug for Bootstrapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bootstrapped({:?}, secrets=<redacted>)", self.user_id)
    }
}

/// Creates the administrator `admin_user_id` (password given, or generated when `None`) and
/// an admin API key, if the store holds no user yet; `None` when users already exist.
pub async fn bootstrap(
    is: &IdentityServer,
    admin_user_id: &str,
    password: Option<String>,
) -> IdentityResult<Option<Bootstrapped>> {
    if !is
        .store
        .list_users(PageRequest::first(1))
        .await?
        .items
        .is_empty()
    {
        return Ok(None);
    }
    let generated = password.is_none();
    let password = password.unwrap_or_else(|| random_token(18));
    let user = is
        .create_user(UserInput {
            user_id: admin_user_id.to_owned(),
            name: "Administrator".into(),
            email: format!("{admin_user_id}@localhost.invalid"),
            password: password.clone(),
            admin: true,
        })
        .await?;
    let key = is
        .create_api_key(
            EntityRef::User(user.user_id.clone()),
            ApiKeyInput {
                name: Some("bootstrap admin key".into()),
                rights: Some(vec![Right::RightAll]),
                expires_at: None,
            },
        )
        .await?;
    tracing::info!(user_id = %user.user_id, key_id = %key.view.id, "created the first administrator");
    Ok(Some(Bootstrapped {
        user_id: user.user_id,
        generated_password: generated.then_some(password),
        api_key: key.key,
    }))
}
