//! Random sequences of device and gateway operations on the embedded store, compared step by
//! step with an in-memory model (maps plus a uniqueness index and a change counter): same
//! success or error kind for every call, same final contents, one change per logged write.

use controlplane::store::conformance::fixtures;
use controlplane::store::embedded::EmbeddedStore;
use controlplane::store::id::{ApplicationId, DeviceId, GatewayId};
use controlplane::store::model::{EndDevice, Gateway};
use controlplane::store::{
    ChangeLog, EndDeviceStore, GatewayStore, PageRequest, StoreError, UniqueLookup,
};
use proptest::prelude::*;
use shared::types::{DevEui, Eui64, JoinEui};
use std::collections::BTreeMap;

const APPS: [&str; 2] = ["app-a", "app-b"];

#[derive(Debug, Clone)]
enum Op {
    CreateDevice { app: usize, dev: u8, eui: u8 },
    UpdateDeviceEui { app: usize, dev: u8, eui: u8 },
    DeleteDevice { app: usize, dev: u8 },
    CreateGateway { gw: u8, eui: u8 },
    DeleteGateway { gw: u8 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..2usize, 0..6u8, 0..5u8).prop_map(|(app, dev, eui)| Op::CreateDevice { app, dev, eui }),
        2 => (0..2usize, 0..6u8, 0..5u8).prop_map(|(app, dev, eui)| Op::UpdateDeviceEui { app, dev, eui }),
        1 => (0..2usize, 0..6u8).prop_map(|(app, dev)| Op::DeleteDevice { app, dev }),
        2 => (0..4u8, 0..3u8).prop_map(|(gw, eui)| Op::CreateGateway { gw, eui }),
        1 => (0..4u8).prop_map(|gw| Op::DeleteGateway { gw }),
    ]
}

/// What the model says a call returns: Ok, or the error's kind.
#[derive(Debug, PartialEq)]
enum Outcome {
    Ok,
    NotFound,
    Exists(&'static str),
}

fn outcome<T>(r: Result<T, StoreError>) -> Outcome {
    match r {
        Ok(_) => Outcome::Ok,
        Err(StoreError::NotFound { .. }) => Outcome::NotFound,
        Err(StoreError::AlreadyExists { unique, .. }) => Outcome::Exists(unique),
        Err(e) => panic!("unexpected {e}"),
    }
}

#[derive(Default)]
struct Model {
    devices: BTreeMap<(usize, u8), u8>, // (app, dev) -> eui
    gateways: BTreeMap<u8, u8>,         // gw -> eui
    changes: usize,
}

impl Model {
    fn device_eui_taken(&self, eui: u8, except: Option<(usize, u8)>) -> bool {
        self.devices
            .iter()
            .any(|(k, e)| *e == eui && Some(*k) != except)
    }

    fn apply(&mut self, op: &Op) -> Outcome {
        let out = match *op {
            Op::CreateDevice { app, dev, eui } => {
                if self.devices.contains_key(&(app, dev)) {
                    Outcome::Exists("end_device")
                } else if self.device_eui_taken(eui, None) {
                    Outcome::Exists("dev_eui")
                } else {
                    self.devices.insert((app, dev), eui);
                    Outcome::Ok
                }
            }
            Op::UpdateDeviceEui { app, dev, eui } => {
                if !self.devices.contains_key(&(app, dev)) {
                    Outcome::NotFound
                } else if self.device_eui_taken(eui, Some((app, dev))) {
                    Outcome::Exists("dev_eui")
                } else {
                    self.devices.insert((app, dev), eui);
                    Outcome::Ok
                }
            }
            Op::DeleteDevice { app, dev } => match self.devices.remove(&(app, dev)) {
                Some(_) => Outcome::Ok,
                None => Outcome::NotFound,
            },
            Op::CreateGateway { gw, eui } => {
                if self.gateways.contains_key(&gw) {
                    Outcome::Exists("gateway")
                } else if self.gateways.values().any(|e| *e == eui) {
                    Outcome::Exists("gateway_eui")
                } else {
                    self.gateways.insert(gw, eui);
                    Outcome::Ok
                }
            }
            Op::DeleteGateway { gw } => match self.gateways.remove(&gw) {
                Some(_) => Outcome::Ok,
                None => Outcome::NotFound,
            },
        };
        if out == Outcome::Ok {
            self.changes += 1;
        }
        out
    }
}

fn device(app: usize, dev: u8, eui: u8) -> EndDevice {
    fixtures::device(
        APPS[app],
        &format!("dev-{dev}"),
        0x10,
        0x100 + u64::from(eui),
    )
}

fn gateway(gw: u8, eui: u8) -> Gateway {
    fixtures::gateway(&format!("gw-{gw}"), 0x200 + u64::from(eui))
}

async fn run(store: &EmbeddedStore, op: &Op) -> Outcome {
    match *op {
        Op::CreateDevice { app, dev, eui } => {
            outcome(store.create_end_device(device(app, dev, eui)).await)
        }
        Op::UpdateDeviceEui { app, dev, eui } => {
            outcome(store.update_end_device(device(app, dev, eui)).await)
        }
        Op::DeleteDevice { app, dev } => {
            let (a, d) = (
                ApplicationId::new(APPS[app]).unwrap(),
                DeviceId::new(format!("dev-{dev}")).unwrap(),
            );
            outcome(store.delete_end_device(&a, &d).await)
        }
        Op::CreateGateway { gw, eui } => outcome(store.create_gateway(gateway(gw, eui)).await),
        Op::DeleteGateway { gw } => outcome(
            store
                .delete_gateway(&GatewayId::new(format!("gw-{gw}")).unwrap())
                .await,
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn embedded_store_matches_model(ops in proptest::collection::vec(op(), 1..25)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let store = EmbeddedStore::open(dir.path().join("p.redb")).unwrap();
            let mut model = Model::default();
            for op in &ops {
                let want = model.apply(op);
                let got = run(&store, op).await;
                assert_eq!(got, want, "{op:?}");
            }
            for (a, app) in APPS.iter().enumerate() {
                let page = store.list_end_devices(&ApplicationId::new(*app).unwrap(), PageRequest::first(100)).await.unwrap();
                let got: BTreeMap<u8, u64> = page.items.iter().map(|d| {
                    let n: u8 = d.device_id.as_str().trim_start_matches("dev-").parse().unwrap();
                    (n, d.dev_eui.to_u64())
                }).collect();
                let want: BTreeMap<u8, u64> = model.devices.iter().filter(|((ma, _), _)| *ma == a)
                    .map(|((_, d), e)| (*d, 0x100 + u64::from(*e))).collect();
                assert_eq!(got, want, "devices of {app}");
            }
            for (gw, eui) in &model.gateways {
                let g = store.find_gateway(Eui64::from_u64(0x200 + u64::from(*eui))).await.unwrap();
                assert_eq!(g.gateway_id.as_str(), format!("gw-{gw}"));
            }
            for e in 0..5u8 {
                let held = model.devices.values().any(|v| *v == e);
                let found = store.find_end_device(JoinEui::from_u64(0x10), DevEui::from_u64(0x100 + u64::from(e))).await;
                assert_eq!(found.is_ok(), held, "DevEUI index for eui {e}");
            }
            let changes = store.changes_since(Default::default(), 1000).await.unwrap();
            assert_eq!(changes.len(), model.changes);
            assert_eq!(store.current_revision().await.unwrap().0, model.changes as u64);
        });
    }
}
