//! Gateways (TTS `Gateway`): EUI (unique across the network when set, enforced by the store),
//! frequency plan, location, attributes, and the token a Basic Station gateway authenticates
//! with, shown once when issued and stored hashed (see `secrets.rs`).
//!
//! Not kept: TTS's connection status (the data plane holds it) and `downlink_enabled` (the
//! store's gateway model has no such field yet).

use super::error::{IdentityError, IdentityResult, Violations};
use super::secrets::{hash_token, random_token, verify_token};
use super::{IdentityServer, map_page};
use crate::store::id::GatewayId;
use crate::store::model::{EntityRef, Gateway, Location, Right, check_attributes};
use crate::store::{Page, PageRequest, StoreError};
use serde::{Deserialize, Serialize};
use shared::types::Eui64;
use std::collections::BTreeMap;

/// A new gateway.
#[derive(Debug, Clone, Deserialize)]
pub struct GatewayInput {
    /// Id (TTS id rule).
    pub gateway_id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Gateway EUI, 16 hex digits.
    #[serde(default)]
    pub eui: Option<String>,
    /// Frequency plan id.
    pub frequency_plan_id: String,
    /// Antenna location.
    #[serde(default)]
    pub location: Option<Location>,
    /// Free attributes.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// Changes to a gateway; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GatewayUpdate {
    /// Display name.
    pub name: Option<String>,
    /// Frequency plan id.
    pub frequency_plan_id: Option<String>,
    /// Antenna location.
    pub location: Option<Location>,
    /// Attributes (replaced whole).
    pub attributes: Option<BTreeMap<String, String>>,
}

/// A gateway as the API shows it: no token hash.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GatewayView {
    /// Id.
    pub gateway_id: GatewayId,
    /// Display name.
    pub name: String,
    /// EUI.
    pub eui: Option<Eui64>,
    /// Frequency plan id.
    pub frequency_plan_id: String,
    /// Location.
    pub location: Option<Location>,
    /// Attributes.
    pub attributes: BTreeMap<String, String>,
    /// Whether an auth token is set.
    pub has_auth_token: bool,
    /// Creation time, Unix ms.
    pub created_at: u64,
    /// Last update, Unix ms.
    pub updated_at: u64,
}

impl From<Gateway> for GatewayView {
    fn from(g: Gateway) -> Self {
        Self {
            gateway_id: g.gateway_id,
            name: g.name,
            eui: g.eui,
            frequency_plan_id: g.frequency_plan_id,
            location: g.location,
            attributes: g.attributes,
            has_auth_token: g.auth_token_hash.is_some(),
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

fn check_common(
    v: &mut Violations,
    plan: Option<&str>,
    loc: Option<&Location>,
    attrs: Option<&BTreeMap<String, String>>,
) {
    if let Some(p) = plan
        && (p.is_empty() || p.len() > 64)
    {
        v.add("frequency_plan_id", "1..=64 characters");
    }
    if let Some(l) = loc {
        if !(-90.0..=90.0).contains(&l.latitude) {
            v.add("location.latitude", "not in -90..=90");
        }
        if !(-180.0..=180.0).contains(&l.longitude) {
            v.add("location.longitude", "not in -180..=180");
        }
    }
    if let Some(a) = attrs
        && let Err(e) = check_attributes(a)
    {
        v.add("attributes", e.to_string());
    }
}

impl IdentityServer {
    /// Creates a gateway; `owner` becomes a collaborator with `RIGHT_GATEWAY_ALL`.
    pub async fn create_gateway(
        &self,
        input: GatewayInput,
        owner: EntityRef,
    ) -> IdentityResult<GatewayView> {
        let mut v = Violations::default();
        let id = v.check("gateway_id", GatewayId::new(input.gateway_id));
        let eui = match &input.eui {
            Some(e) => v.check(
                "eui",
                e.parse::<Eui64>()
                    .map(Some)
                    .map_err(|_| "want 16 hex digits"),
            ),
            None => Some(None),
        };
        check_common(
            &mut v,
            Some(&input.frequency_plan_id),
            input.location.as_ref(),
            Some(&input.attributes),
        );
        v.finish()?;
        let (Some(gateway_id), Some(eui)) = (id, eui) else {
            return Err(IdentityError::Internal("unreachable: checked".into()));
        };
        let now = self.now_ms();
        let g = Gateway {
            gateway_id,
            name: input.name,
            eui,
            frequency_plan_id: input.frequency_plan_id,
            location: input.location,
            attributes: input.attributes,
            auth_token_hash: None,
            created_at: now,
            updated_at: now,
        };
        self.store.create_gateway(g.clone()).await?;
        let e = EntityRef::Gateway(g.gateway_id.clone());
        if let Err(err) = self.grant_owner(e, owner, Right::RightGatewayAll).await {
            let _ = self.store.delete_gateway(&g.gateway_id).await;
            return Err(err);
        }
        Ok(g.into())
    }

    /// Reads a gateway.
    pub async fn get_gateway(&self, id: &GatewayId) -> IdentityResult<GatewayView> {
        Ok(self.store.get_gateway(id).await?.into())
    }

    /// Applies `update` to a gateway.
    pub async fn update_gateway(
        &self,
        id: &GatewayId,
        update: GatewayUpdate,
    ) -> IdentityResult<GatewayView> {
        let mut v = Violations::default();
        check_common(
            &mut v,
            update.frequency_plan_id.as_deref(),
            update.location.as_ref(),
            update.attributes.as_ref(),
        );
        v.finish()?;
        let mut g = self.store.get_gateway(id).await?;
        if let Some(n) = update.name {
            g.name = n;
        }
        if let Some(p) = update.frequency_plan_id {
            g.frequency_plan_id = p;
        }
        if let Some(l) = update.location {
            g.location = Some(l);
        }
        if let Some(a) = update.attributes {
            g.attributes = a;
        }
        g.updated_at = self.now_ms();
        self.store.update_gateway(g.clone()).await?;
        Ok(g.into())
    }

    /// Deletes a gateway with its collaborators and API keys.
    pub async fn delete_gateway(&self, id: &GatewayId) -> IdentityResult<()> {
        self.store.get_gateway(id).await?;
        let e = EntityRef::Gateway(id.clone());
        self.delete_memberships_of(&e).await?;
        self.delete_api_keys_of(&e).await?;
        self.store.delete_gateway(id).await?;
        Ok(())
    }

    /// Lists gateways (all of them; the API filters by rights).
    pub async fn list_gateways(&self, page: PageRequest) -> IdentityResult<Page<GatewayView>> {
        Ok(map_page(
            self.store.list_gateways(page).await?,
            GatewayView::from,
        ))
    }

    /// Issues a new Basic Station auth token for a gateway, replacing any previous one; the
    /// token is returned here once and stored hashed.
    pub async fn rotate_gateway_token(&self, id: &GatewayId) -> IdentityResult<String> {
        let mut g = self.store.get_gateway(id).await?;
        let token = format!("NNSGT.{id}.{}", random_token(32));
        g.auth_token_hash = Some(hash_token(&token)?);
        g.updated_at = self.now_ms();
        self.store.update_gateway(g).await?;
        Ok(token)
    }

    /// The gateway with `eui` if `token` is its current auth token.
    pub async fn verify_gateway_token(&self, eui: Eui64, token: &str) -> IdentityResult<Gateway> {
        const REFUSED: IdentityError = IdentityError::Unauthenticated("unknown gateway or token");
        let g = match self.store.find_gateway(eui).await {
            Ok(g) => g,
            Err(StoreError::NotFound { .. }) => return Err(REFUSED),
            Err(e) => return Err(e.into()),
        };
        match &g.auth_token_hash {
            Some(h) if verify_token(token, h) => Ok(g),
            _ => Err(REFUSED),
        }
    }
}
