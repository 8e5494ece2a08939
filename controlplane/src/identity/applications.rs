//! Applications (TTS `Application`): owned by a user or an organization, holding end devices.

use super::error::{IdentityError, IdentityResult, Violations};
use super::{IdentityServer, map_page};
use crate::store::id::ApplicationId;
use crate::store::model::{Application, EntityRef, Right};
use crate::store::{Page, PageRequest};
use serde::Deserialize;

/// A new application.
#[derive(Debug, Clone, Deserialize)]
pub struct ApplicationInput {
    /// Id (TTS id rule).
    pub application_id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
}

/// Changes to an application; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApplicationUpdate {
    /// Display name.
    pub name: Option<String>,
}

impl IdentityServer {
    /// Creates an application owned by `owner`, who becomes a collaborator with
    /// `RIGHT_APPLICATION_ALL`.
    pub async fn create_application(
        &self,
        input: ApplicationInput,
        owner: EntityRef,
    ) -> IdentityResult<Application> {
        let mut v = Violations::default();
        let id = v.check("application_id", ApplicationId::new(input.application_id));
        v.finish()?;
        let Some(application_id) = id else {
            return Err(IdentityError::Internal("unreachable".into()));
        };
        let now = self.now_ms();
        let app = Application {
            application_id,
            name: input.name,
            owner: owner.clone(),
            created_at: now,
            updated_at: now,
        };
        self.store.create_application(app.clone()).await?;
        let e = EntityRef::Application(app.application_id.clone());
        if let Err(err) = self.grant_owner(e, owner, Right::RightApplicationAll).await {
            // Leave no ownerless application behind.
            let _ = self.store.delete_application(&app.application_id).await;
            return Err(err);
        }
        Ok(app)
    }

    /// Reads an application.
    pub async fn get_application(&self, id: &ApplicationId) -> IdentityResult<Application> {
        Ok(self.store.get_application(id).await?)
    }

    /// Applies `update` to an application.
    pub async fn update_application(
        &self,
        id: &ApplicationId,
        update: ApplicationUpdate,
    ) -> IdentityResult<Application> {
        let mut a = self.store.get_application(id).await?;
        if let Some(n) = update.name {
            a.name = n;
        }
        a.updated_at = self.now_ms();
        self.store.update_application(a.clone()).await?;
        Ok(a)
    }

    /// Deletes an application with no end devices, with its collaborators and API keys.
    pub async fn delete_application(&self, id: &ApplicationId) -> IdentityResult<()> {
        self.store.get_application(id).await?;
        let devices = self
            .store
            .list_end_devices(id, PageRequest::first(1))
            .await?;
        if !devices.items.is_empty() {
            return Err(IdentityError::FailedPrecondition(format!(
                "application {id} still has end devices; delete them first"
            )));
        }
        let e = EntityRef::Application(id.clone());
        self.delete_memberships_of(&e).await?;
        self.delete_api_keys_of(&e).await?;
        self.store.delete_application(id).await?;
        Ok(())
    }

    /// Lists applications (all of them; the API filters by rights).
    pub async fn list_applications(&self, page: PageRequest) -> IdentityResult<Page<Application>> {
        Ok(map_page(self.store.list_applications(page).await?, |a| a))
    }
}
