//! `Applications` and `EndDevices`.

use super::GrpcApi;
use super::convert::{entity, id, input, list, message, page, update};
use crate::api::operations::{EntityKind, Op};
use crate::api::rules;
use crate::identity::IdentityResult;
use crate::store::id::{ApplicationId, DeviceId};
use shared::api::v1::{self, applications_server::Applications, end_devices_server::EndDevices};
use tonic::{Request, Response, Status};

type Res<T> = Result<Response<T>, Status>;

fn app(raw: &str) -> IdentityResult<ApplicationId> {
    id("application_id", raw, ApplicationId::new)
}

fn dev(m: &v1::EndDeviceId) -> IdentityResult<(ApplicationId, DeviceId)> {
    Ok((
        app(&m.application_id)?,
        id("device_id", &m.device_id, DeviceId::new)?,
    ))
}

/// The create operation for an owner kind (users and organizations own applications).
fn create_route(m: &v1::CreateApplicationRequest) -> IdentityResult<(Op, Option<String>)> {
    let owners = [EntityKind::User, EntityKind::Organization];
    let (kind, owner) = entity("owner", m.owner.as_ref(), &owners)?;
    let op = match kind {
        EntityKind::User => Op::CreateUserApplication,
        _ => Op::CreateOrganizationApplication,
    };
    Ok((op, Some(owner)))
}

#[tonic::async_trait]
impl Applications for GrpcApi {
    async fn create(&self, req: Request<v1::CreateApplicationRequest>) -> Res<v1::Application> {
        self.unary(
            "/lorawan.v1.Applications/Create",
            req,
            create_route,
            |c, m| async move {
                message(
                    &c.is
                        .create_application(input(&m)?, c.who()?.entity()?)
                        .await?,
                )
            },
        )
        .await
    }

    async fn list(
        &self,
        req: Request<v1::ListApplicationsRequest>,
    ) -> Res<v1::ListApplicationsResponse> {
        let route = |_: &_| Ok((Op::ListApplications, None));
        self.unary(
            "/lorawan.v1.Applications/List",
            req,
            route,
            |c, m| async move {
                list(rules::list_applications(&c.is, c.who()?, page(m.page.as_ref())?).await?)
            },
        )
        .await
    }

    async fn get(&self, req: Request<v1::ApplicationId>) -> Res<v1::Application> {
        let route =
            |m: &v1::ApplicationId| Ok((Op::GetApplication, Some(m.application_id.clone())));
        self.unary(
            "/lorawan.v1.Applications/Get",
            req,
            route,
            |c, m| async move { message(&c.is.get_application(&app(&m.application_id)?).await?) },
        )
        .await
    }

    async fn update(&self, req: Request<v1::UpdateApplicationRequest>) -> Res<v1::Application> {
        let route = |m: &v1::UpdateApplicationRequest| {
            Ok((Op::UpdateApplication, Some(m.application_id.clone())))
        };
        self.unary(
            "/lorawan.v1.Applications/Update",
            req,
            route,
            |c, m| async move {
                let u = update(&m, m.field_mask.as_ref(), &["application_id"])?;
                message(&c.is.update_application(&app(&m.application_id)?, u).await?)
            },
        )
        .await
    }

    async fn delete(&self, req: Request<v1::ApplicationId>) -> Res<v1::Empty> {
        let route =
            |m: &v1::ApplicationId| Ok((Op::DeleteApplication, Some(m.application_id.clone())));
        self.unary(
            "/lorawan.v1.Applications/Delete",
            req,
            route,
            |c, m| async move {
                c.is.delete_application(&app(&m.application_id)?).await?;
                Ok(v1::Empty {})
            },
        )
        .await
    }
}

#[tonic::async_trait]
impl EndDevices for GrpcApi {
    async fn create(&self, req: Request<v1::CreateEndDeviceRequest>) -> Res<v1::EndDevice> {
        let route =
            |m: &v1::CreateEndDeviceRequest| Ok((Op::CreateDevice, Some(m.application_id.clone())));
        self.unary(
            "/lorawan.v1.EndDevices/Create",
            req,
            route,
            |c, m| async move {
                let a = app(&m.application_id)?;
                message(&c.is.create_end_device(&a, input(&m)?).await?)
            },
        )
        .await
    }

    async fn list(
        &self,
        req: Request<v1::ListEndDevicesRequest>,
    ) -> Res<v1::ListEndDevicesResponse> {
        let route =
            |m: &v1::ListEndDevicesRequest| Ok((Op::ListDevices, Some(m.application_id.clone())));
        self.unary(
            "/lorawan.v1.EndDevices/List",
            req,
            route,
            |c, m| async move {
                let a = app(&m.application_id)?;
                list(c.is.list_end_devices(&a, page(m.page.as_ref())?).await?)
            },
        )
        .await
    }

    async fn get(&self, req: Request<v1::EndDeviceId>) -> Res<v1::EndDevice> {
        let route = |m: &v1::EndDeviceId| Ok((Op::GetDevice, Some(m.application_id.clone())));
        self.unary(
            "/lorawan.v1.EndDevices/Get",
            req,
            route,
            |c, m| async move {
                let (a, d) = dev(&m)?;
                message(&c.is.get_end_device(&a, &d).await?)
            },
        )
        .await
    }

    async fn get_keys(&self, req: Request<v1::EndDeviceId>) -> Res<v1::DeviceKeys> {
        let route = |m: &v1::EndDeviceId| Ok((Op::GetDeviceKeys, Some(m.application_id.clone())));
        self.unary(
            "/lorawan.v1.EndDevices/GetKeys",
            req,
            route,
            |c, m| async move {
                let (a, d) = dev(&m)?;
                message(&c.is.get_end_device_keys(&a, &d).await?)
            },
        )
        .await
    }

    async fn update(&self, req: Request<v1::UpdateEndDeviceRequest>) -> Res<v1::EndDevice> {
        let route =
            |m: &v1::UpdateEndDeviceRequest| Ok((Op::UpdateDevice, Some(m.application_id.clone())));
        self.unary(
            "/lorawan.v1.EndDevices/Update",
            req,
            route,
            |c, m| async move {
                let u = update(&m, m.field_mask.as_ref(), &["application_id", "device_id"])?;
                let a = app(&m.application_id)?;
                let d = id("device_id", &m.device_id, DeviceId::new)?;
                message(&c.is.update_end_device(&a, &d, u).await?)
            },
        )
        .await
    }

    async fn delete(&self, req: Request<v1::EndDeviceId>) -> Res<v1::Empty> {
        let route = |m: &v1::EndDeviceId| Ok((Op::DeleteDevice, Some(m.application_id.clone())));
        self.unary(
            "/lorawan.v1.EndDevices/Delete",
            req,
            route,
            |c, m| async move {
                let (a, d) = dev(&m)?;
                c.is.delete_end_device(&a, &d).await?;
                Ok(v1::Empty {})
            },
        )
        .await
    }
}
