//! Messages to and from the models. Every message of `lorawan.v1` mirrors a JSON model of the
//! HTTP API field for field and derives serde in that form (see `shared/build.rs`), so one
//! mapping serves every message: a request goes message → JSON → model input (whose checks run
//! as on HTTP), a model goes model → JSON → message. A field the two forms do not share shows
//! in the round-trip tests below.
//!
//! Updates carry a [`FieldMask`]: only the fields it names are applied (the others keep their
//! stored values), as with an HTTP body that leaves them out.

use crate::api::operations::EntityKind;
use crate::api::rules::page_request;
use crate::identity::{IdentityError, IdentityResult};
use crate::store::{Page, PageRequest};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use shared::api::v1;

/// A model as its message (a mismatch is an internal error: the forms are kept equal).
pub fn message<M: Serialize, P: DeserializeOwned>(model: &M) -> IdentityResult<P> {
    let v = serde_json::to_value(model).map_err(|e| IdentityError::Internal(e.to_string()))?;
    serde_json::from_value(v).map_err(|e| IdentityError::Internal(format!("model to message: {e}")))
}

/// A request message as a model input; a value the input refuses (an unknown right or MAC
/// version name) is `Invalid` on its field path.
pub fn input<P: Serialize, I: DeserializeOwned>(msg: &P) -> IdentityResult<I> {
    let v = serde_json::to_value(msg).map_err(|e| IdentityError::Internal(e.to_string()))?;
    from_json(v)
}

fn from_json<I: DeserializeOwned>(v: Value) -> IdentityResult<I> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        IdentityError::invalid(path, e.into_inner().to_string())
    })
}

/// An update message as a model update: only the fields `mask` names, which must be fields of
/// the message other than `ids` (the entity's identifiers) and the mask itself.
pub fn update<P: Serialize, I: DeserializeOwned>(
    msg: &P,
    mask: Option<&v1::FieldMask>,
    ids: &[&str],
) -> IdentityResult<I> {
    let v = serde_json::to_value(msg).map_err(|e| IdentityError::Internal(e.to_string()))?;
    let Value::Object(mut fields) = v else {
        return Err(IdentityError::Internal("update is not a message".into()));
    };
    let mut picked = Map::new();
    for path in mask.map(|m| m.paths.as_slice()).unwrap_or_default() {
        let settable = path != "field_mask" && !ids.contains(&path.as_str());
        match fields.remove(path) {
            Some(value) if settable => {
                picked.insert(path.clone(), value);
            }
            _ => {
                return Err(IdentityError::invalid(
                    "field_mask",
                    format!("{path:?} is not an updatable field"),
                ));
            }
        }
    }
    from_json(Value::Object(picked))
}

/// A typed id from a request field; a malformed one is `Invalid` on `field`.
pub fn id<T, E: std::fmt::Display>(
    field: &str,
    raw: &str,
    parse: impl FnOnce(String) -> Result<T, E>,
) -> IdentityResult<T> {
    parse(raw.to_owned()).map_err(|e| IdentityError::invalid(field, e.to_string()))
}

/// The store page a request asks for (`page_size` 0 is the default size).
pub fn page(p: Option<&v1::PageRequest>) -> IdentityResult<PageRequest> {
    let (size, token) = p.map_or((0, String::new()), |p| (p.page_size, p.page_token.clone()));
    page_request("page.page_size", (size != 0).then_some(size), Some(token))
}

/// A page of models as a list response (`items`, `next_page_token`, empty on the last page).
pub fn list<T: Serialize, P: DeserializeOwned>(page: Page<T>) -> IdentityResult<P> {
    #[derive(Serialize)]
    struct Paged<T> {
        items: Vec<T>,
        next_page_token: String,
    }
    message(&Paged {
        items: page.items,
        next_page_token: page.next_token.unwrap_or_default(),
    })
}

/// The entity a request names in an [`v1::EntityRef`] (exactly one field set), among `allowed`
/// kinds; errors name `field`.
pub fn entity(
    field: &str,
    r: Option<&v1::EntityRef>,
    allowed: &[EntityKind],
) -> IdentityResult<(EntityKind, String)> {
    let r = r.ok_or_else(|| IdentityError::invalid(field, "required"))?;
    let set: Vec<(EntityKind, &String)> = [
        (EntityKind::User, &r.user),
        (EntityKind::Organization, &r.organization),
        (EntityKind::Application, &r.application),
        (EntityKind::Gateway, &r.gateway),
    ]
    .into_iter()
    .filter(|(_, id)| !id.is_empty())
    .collect();
    match set.as_slice() {
        [(kind, id)] if allowed.contains(kind) && r.client.is_empty() => Ok((*kind, (*id).clone())),
        _ => Err(IdentityError::invalid(
            field,
            format!("exactly one of {allowed:?} (lowercase)"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{EndDeviceInput, UserUpdate};
    use crate::store::model::{EntityRef, Membership, Right};

    fn user_update(mask: &[&str]) -> IdentityResult<UserUpdate> {
        let msg = v1::UpdateUserRequest {
            user_id: "alice".into(),
            name: "Alice".into(),
            admin: true,
            state: "suspended".into(),
            ..Default::default()
        };
        let mask = v1::FieldMask {
            paths: mask.iter().map(|s| s.to_string()).collect(),
        };
        update(&msg, Some(&mask), &["user_id"])
    }

    #[test]
    fn field_masks_pick_fields() {
        let u = user_update(&["name"]).unwrap();
        assert_eq!(u.name.as_deref(), Some("Alice"));
        assert_eq!((u.admin, u.state, u.email), (None, None, None));
        let u = user_update(&["admin", "state"]).unwrap();
        assert_eq!(u.admin, Some(true));
        assert!(u.state.is_some() && u.name.is_none());
        let u = user_update(&[]).unwrap();
        assert!(u.name.is_none() && u.admin.is_none());
        for bad in ["user_id", "field_mask", "nope"] {
            match user_update(&[bad]) {
                Err(IdentityError::Invalid(v)) => assert_eq!(v[0].field, "field_mask", "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn bad_enum_names_are_field_violations() {
        let msg = v1::UpdateUserRequest {
            state: "asleep".into(),
            ..Default::default()
        };
        let mask = v1::FieldMask {
            paths: vec!["state".into()],
        };
        match update::<_, UserUpdate>(&msg, Some(&mask), &[]) {
            Err(IdentityError::Invalid(v)) => assert_eq!(v[0].field, "state"),
            other => panic!("{other:?}"),
        }
        let msg = v1::CreateEndDeviceRequest {
            root_keys: Some(v1::RootKeys {
                app_key: "00".into(),
                nwk_key: None,
            }),
            ..Default::default()
        };
        let d: EndDeviceInput = input(&msg).unwrap();
        assert_eq!(d.root_keys.unwrap().app_key, "00");
        assert_eq!(d.class, None, "an unset optional stays unset");
    }

    /// A model round-trips through its message unchanged: the message has every field.
    #[test]
    fn models_round_trip_through_messages() {
        let m = Membership {
            entity: EntityRef::Application("app1".to_owned().try_into().unwrap()),
            collaborator: EntityRef::User("alice".to_owned().try_into().unwrap()),
            rights: vec![Right::RightApplicationInfo, Right::RightApplicationAll],
            created_at: 1,
            updated_at: 2,
        };
        let msg: v1::Collaborator = message(&m).unwrap();
        assert_eq!(msg.collaborator.as_ref().unwrap().user, "alice");
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            strip_empty(serde_json::to_value(&msg).unwrap())
        );
    }

    /// The message form with the unset `EntityRef` alternatives removed.
    fn strip_empty(v: Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.into_iter()
                    .filter(|(_, v)| v != &Value::String(String::new()))
                    .map(|(k, v)| (k, strip_empty(v)))
                    .collect(),
            ),
            other => other,
        }
    }

    #[test]
    fn entity_refs_by_table() {
        let user = v1::EntityRef {
            user: "alice".into(),
            ..Default::default()
        };
        let two = v1::EntityRef {
            user: "alice".into(),
            gateway: "g".into(),
            ..Default::default()
        };
        let all = [EntityKind::User, EntityKind::Gateway];
        assert_eq!(
            entity("owner", Some(&user), &all).unwrap(),
            (EntityKind::User, "alice".to_owned())
        );
        for (name, r, allowed) in [
            ("absent", None, &all[..]),
            ("two set", Some(&two), &all[..]),
            ("none set", Some(&v1::EntityRef::default()), &all[..]),
            ("kind not allowed", Some(&user), &[EntityKind::Gateway][..]),
        ] {
            match entity("owner", r, allowed) {
                Err(IdentityError::Invalid(v)) => assert_eq!(v[0].field, "owner", "{name}"),
                other => panic!("{name}: {other:?}"),
            }
        }
    }
}
