//! End devices (TTS `EndDevice`): identifiers, LoRaWAN MAC and Regional Parameters versions,
//! frequency plan, class, attributes, and OTAA root keys or an ABP session (keys wrapped at rest,
//! see `device_keys.rs`). DevEUI is unique per JoinEUI across the network; the store enforces it
//! atomically and a duplicate comes back as `AlreadyExists`.
//!
//! Every field of a create is checked and all violations are returned together.

use super::device_keys::{ClearRootKeys, ClearSession, DeviceKeysView};
use super::error::{IdentityError, IdentityResult, Violations};
use super::{IdentityServer, map_page};
use crate::store::id::{ApplicationId, DeviceId};
use crate::store::model::{DeviceClass, EndDevice, MacVersion, PhyVersion, check_attributes};
use crate::store::{Page, PageRequest};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use shared::types::{DevAddr, DevEui, JoinEui};
use std::collections::BTreeMap;

/// A new end device, keys in clear.
#[derive(Debug, Clone, Deserialize)]
pub struct EndDeviceInput {
    /// Id within the application.
    pub device_id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// DevEUI, 16 hex digits.
    pub dev_eui: String,
    /// JoinEUI (AppEUI), 16 hex digits.
    pub join_eui: String,
    /// `MAC_V1_0_3`, `MAC_V1_1`, ...
    pub mac_version: String,
    /// `RP001_V1_0_3_REV_A`, `RP002_V1_0_4`, ...
    pub phy_version: String,
    /// Frequency plan id (`EU_863_870_TTN`, ...).
    pub frequency_plan_id: String,
    /// `A`, `B` or `C`; default `A`.
    #[serde(default)]
    pub class: Option<String>,
    /// Free attributes.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// OTAA root keys.
    #[serde(default)]
    pub root_keys: Option<ClearRootKeys>,
    /// ABP session.
    #[serde(default)]
    pub session: Option<ClearSession>,
}

/// Changes to an end device; absent fields stay. Keys given replace the stored ones.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EndDeviceUpdate {
    /// Display name.
    pub name: Option<String>,
    /// Frequency plan id.
    pub frequency_plan_id: Option<String>,
    /// Class.
    pub class: Option<String>,
    /// Attributes (replaced whole).
    pub attributes: Option<BTreeMap<String, String>>,
    /// New root keys.
    pub root_keys: Option<ClearRootKeys>,
    /// New ABP session.
    pub session: Option<ClearSession>,
}

/// A session as the API shows it: no keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionView {
    /// DevAddr.
    pub dev_addr: DevAddr,
    /// Last uplink frame counter.
    pub f_cnt_up: u32,
    /// Next network downlink frame counter.
    pub n_f_cnt_down: u32,
    /// Next application downlink frame counter.
    pub a_f_cnt_down: u32,
}

/// An end device as the API shows it: keys replaced by whether they are set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndDeviceView {
    /// Application.
    pub application_id: ApplicationId,
    /// Id.
    pub device_id: DeviceId,
    /// Display name.
    pub name: String,
    /// DevEUI.
    pub dev_eui: DevEui,
    /// JoinEUI.
    pub join_eui: JoinEui,
    /// MAC version.
    pub mac_version: MacVersion,
    /// Regional Parameters version.
    pub phy_version: PhyVersion,
    /// Frequency plan id.
    pub frequency_plan_id: String,
    /// Class.
    pub class: DeviceClass,
    /// Attributes.
    pub attributes: BTreeMap<String, String>,
    /// Whether OTAA root keys are stored (their values need the keys read).
    pub has_root_keys: bool,
    /// The session without its keys.
    pub session: Option<SessionView>,
    /// Creation time, Unix ms.
    pub created_at: u64,
    /// Last update, Unix ms.
    pub updated_at: u64,
}

impl From<EndDevice> for EndDeviceView {
    fn from(d: EndDevice) -> Self {
        Self {
            application_id: d.application_id,
            device_id: d.device_id,
            name: d.name,
            dev_eui: d.dev_eui,
            join_eui: d.join_eui,
            mac_version: d.mac_version,
            phy_version: d.phy_version,
            frequency_plan_id: d.frequency_plan_id,
            class: d.class,
            attributes: d.attributes,
            has_root_keys: d.root_keys.is_some(),
            session: d.session.map(|s| SessionView {
                dev_addr: s.dev_addr,
                f_cnt_up: s.f_cnt_up,
                n_f_cnt_down: s.n_f_cnt_down,
                a_f_cnt_down: s.a_f_cnt_down,
            }),
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// Parses a TTS enum name (`MAC_V1_0_3`, `A`) through its serde form.
fn parse_enum<T: DeserializeOwned>(s: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| format!("unknown value {s:?}"))
}

fn check_plan(v: &mut Violations, plan: &str) {
    if plan.is_empty() || plan.len() > 64 {
        v.add("frequency_plan_id", "1..=64 characters");
    }
}

fn check_attrs(v: &mut Violations, attrs: &BTreeMap<String, String>) {
    if let Err(e) = check_attributes(attrs) {
        v.add("attributes", e.to_string());
    }
}

impl IdentityServer {
    /// Creates an end device in `app`, wrapping its keys.
    pub async fn create_end_device(
        &self,
        app: &ApplicationId,
        input: EndDeviceInput,
    ) -> IdentityResult<EndDeviceView> {
        let mut v = Violations::default();
        let device_id = v.check("device_id", DeviceId::new(input.device_id));
        let dev_eui = v.check(
            "dev_eui",
            input
                .dev_eui
                .parse::<DevEui>()
                .map_err(|_| "want 16 hex digits"),
        );
        let join_eui = v.check(
            "join_eui",
            input
                .join_eui
                .parse::<JoinEui>()
                .map_err(|_| "want 16 hex digits"),
        );
        let mac = v.check("mac_version", parse_enum::<MacVersion>(&input.mac_version));
        let phy = v.check("phy_version", parse_enum::<PhyVersion>(&input.phy_version));
        let class = v.check(
            "class",
            parse_enum::<DeviceClass>(input.class.as_deref().unwrap_or("A")),
        );
        check_plan(&mut v, &input.frequency_plan_id);
        check_attrs(&mut v, &input.attributes);
        if input.root_keys.is_none() && input.session.is_none() {
            v.add("root_keys", "OTAA root keys or an ABP session is required");
        }
        let is_1_1 = mac.is_some_and(MacVersion::is_1_1);
        let root_keys = match &input.root_keys {
            Some(k) => self.wrap_root_keys(&mut v, k, is_1_1)?,
            None => None,
        };
        let session = match &input.session {
            Some(s) => self.wrap_session(&mut v, s, is_1_1)?,
            None => None,
        };
        v.finish()?;
        let (Some(device_id), Some(dev_eui), Some(join_eui), Some(mac), Some(phy), Some(class)) =
            (device_id, dev_eui, join_eui, mac, phy, class)
        else {
            return Err(IdentityError::Internal("unreachable: checked".into()));
        };
        self.store.get_application(app).await?;
        let now = self.now_ms();
        let d = EndDevice {
            application_id: app.clone(),
            device_id,
            name: input.name,
            dev_eui,
            join_eui,
            mac_version: mac,
            phy_version: phy,
            frequency_plan_id: input.frequency_plan_id,
            class,
            attributes: input.attributes,
            root_keys,
            session,
            created_at: now,
            updated_at: now,
        };
        self.store.create_end_device(d.clone()).await?;
        Ok(d.into())
    }

    /// Reads an end device without its keys.
    pub async fn get_end_device(
        &self,
        app: &ApplicationId,
        id: &DeviceId,
    ) -> IdentityResult<EndDeviceView> {
        Ok(self.store.get_end_device(app, id).await?.into())
    }

    /// Reads an end device's keys in clear (callers with `..._DEVICES_READ_KEYS` only).
    pub async fn get_end_device_keys(
        &self,
        app: &ApplicationId,
        id: &DeviceId,
    ) -> IdentityResult<DeviceKeysView> {
        let d = self.store.get_end_device(app, id).await?;
        self.clear_keys(d.root_keys.as_ref(), d.session.as_ref())
    }

    /// Applies `update` to an end device.
    pub async fn update_end_device(
        &self,
        app: &ApplicationId,
        id: &DeviceId,
        update: EndDeviceUpdate,
    ) -> IdentityResult<EndDeviceView> {
        let mut d = self.store.get_end_device(app, id).await?;
        let mut v = Violations::default();
        let is_1_1 = d.mac_version.is_1_1();
        if let Some(p) = &update.frequency_plan_id {
            check_plan(&mut v, p);
        }
        if let Some(a) = &update.attributes {
            check_attrs(&mut v, a);
        }
        let class = update
            .class
            .as_deref()
            .and_then(|c| v.check("class", parse_enum::<DeviceClass>(c)));
        let root_keys = match &update.root_keys {
            Some(k) => self.wrap_root_keys(&mut v, k, is_1_1)?,
            None => None,
        };
        let session = match &update.session {
            Some(s) => self.wrap_session(&mut v, s, is_1_1)?,
            None => None,
        };
        v.finish()?;
        if let Some(n) = update.name {
            d.name = n;
        }
        if let Some(p) = update.frequency_plan_id {
            d.frequency_plan_id = p;
        }
        if let Some(a) = update.attributes {
            d.attributes = a;
        }
        if let Some(c) = class {
            d.class = c;
        }
        if root_keys.is_some() {
            d.root_keys = root_keys;
        }
        if session.is_some() {
            d.session = session;
        }
        d.updated_at = self.now_ms();
        self.store.update_end_device(d.clone()).await?;
        Ok(d.into())
    }

    /// Deletes an end device.
    pub async fn delete_end_device(
        &self,
        app: &ApplicationId,
        id: &DeviceId,
    ) -> IdentityResult<()> {
        self.store.delete_end_device(app, id).await?;
        Ok(())
    }

    /// Lists the end devices of an application, without keys.
    pub async fn list_end_devices(
        &self,
        app: &ApplicationId,
        page: PageRequest,
    ) -> IdentityResult<Page<EndDeviceView>> {
        self.store.get_application(app).await?;
        Ok(map_page(
            self.store.list_end_devices(app, page).await?,
            EndDeviceView::from,
        ))
    }
}
