//! Users (TTS `User`): accounts with an argon2id password hash and an admin flag. Views never
//! carry the hash.

use super::error::{IdentityError, IdentityResult, Violations};
use super::secrets::{hash_password, verify_password};
use super::{IdentityServer, map_page};
use crate::store::id::UserId;
use crate::store::model::{User, UserState};
use crate::store::{Page, PageRequest, StoreError};
use serde::{Deserialize, Serialize};

/// A new user.
#[derive(Debug, Clone, Deserialize)]
pub struct UserInput {
    /// Id (TTS id rule).
    pub user_id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Primary email, unique.
    pub email: String,
    /// Password in clear; stored as an argon2id hash only.
    pub password: String,
    /// Network administrator (only administrators may set it).
    #[serde(default)]
    pub admin: bool,
}

/// Changes to a user; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserUpdate {
    /// Display name.
    pub name: Option<String>,
    /// Primary email.
    pub email: Option<String>,
    /// New password in clear.
    pub password: Option<String>,
    /// Admin flag (administrators only).
    pub admin: Option<bool>,
    /// Approval state (administrators only).
    pub state: Option<UserState>,
}

/// A user as the API shows it: no password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserView {
    /// Id.
    pub user_id: UserId,
    /// Display name.
    pub name: String,
    /// Primary email.
    pub email: String,
    /// Network administrator.
    pub admin: bool,
    /// Approval state.
    pub state: UserState,
    /// Creation time, Unix ms.
    pub created_at: u64,
    /// Last update, Unix ms.
    pub updated_at: u64,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            user_id: u.user_id,
            name: u.name,
            email: u.email,
            admin: u.admin,
            state: u.state,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

impl IdentityServer {
    /// Creates a user (approved), hashing the password.
    pub async fn create_user(&self, input: UserInput) -> IdentityResult<UserView> {
        let mut v = Violations::default();
        let id = v.check("user_id", UserId::new(input.user_id));
        let hash = v.check("password", hash_password(&input.password));
        v.finish()?;
        let (Some(user_id), Some(password_hash)) = (id, hash) else {
            return Err(IdentityError::Internal("unreachable: checked".into()));
        };
        let now = self.now_ms();
        let user = User {
            user_id,
            name: input.name,
            email: input.email,
            password_hash,
            admin: input.admin,
            state: UserState::Approved,
            created_at: now,
            updated_at: now,
        };
        self.store.create_user(user.clone()).await?;
        Ok(user.into())
    }

    /// Reads a user.
    pub async fn get_user(&self, id: &UserId) -> IdentityResult<UserView> {
        Ok(self.store.get_user(id).await?.into())
    }

    /// Applies `update` to a user.
    pub async fn update_user(&self, id: &UserId, update: UserUpdate) -> IdentityResult<UserView> {
        let mut u = self.store.get_user(id).await?;
        if let Some(n) = update.name {
            u.name = n;
        }
        if let Some(e) = update.email {
            u.email = e;
        }
        if let Some(p) = update.password {
            u.password_hash = hash_password(&p)?;
        }
        if let Some(a) = update.admin {
            u.admin = a;
        }
        if let Some(s) = update.state {
            u.state = s;
        }
        u.updated_at = self.now_ms();
        self.store.update_user(u.clone()).await?;
        Ok(u.into())
    }

    /// Deletes a user and their API keys.
    pub async fn delete_user(&self, id: &UserId) -> IdentityResult<()> {
        let me = crate::store::model::EntityRef::User(id.clone());
        self.delete_api_keys_of(&me).await?;
        self.store.delete_user(id).await?;
        Ok(())
    }

    /// Lists users.
    pub async fn list_users(&self, page: PageRequest) -> IdentityResult<Page<UserView>> {
        Ok(map_page(self.store.list_users(page).await?, UserView::from))
    }

    /// The user if `password` is theirs and the account is approved; `Unauthenticated` for an
    /// unknown user and a wrong password alike.
    pub async fn check_password(&self, id: &str, password: &str) -> IdentityResult<User> {
        const REFUSED: IdentityError = IdentityError::Unauthenticated("wrong user id or password");
        let Ok(id) = UserId::new(id) else {
            return Err(REFUSED);
        };
        let user = match self.store.get_user(&id).await {
            Ok(u) => u,
            Err(StoreError::NotFound { .. }) => return Err(REFUSED),
            Err(e) => return Err(e.into()),
        };
        if user.state != UserState::Approved || !verify_password(password, &user.password_hash) {
            return Err(REFUSED);
        }
        Ok(user)
    }
}
