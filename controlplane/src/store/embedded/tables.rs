//! The redb tables of the embedded backend and how keys are laid out in them.
//!
//! - `records`: `tag(kind) | parent | 0x00 | id` → JSON record. Ids and parents hold no NUL, so
//!   the records of one parent are one contiguous range, in id order (lists are range scans).
//! - `unique`: `tag(unique kind) | value` → the owning record's `records` key.
//! - `changes`: revision → JSON [`Change`](crate::store::Change).
//! - `meta`: `revision` (last assigned), `floor` (compacted through).
//! - `join_states`: `JoinEUI | DevEUI` (16 B, big-endian) → JSON `JoinState`.

use crate::store::error::StoreError;
use crate::store::record::{Kind, RecordKey, UniqueKey, UniqueKind};
use redb::TableDefinition;

pub(super) const RECORDS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("records");
pub(super) const UNIQUE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("unique");
pub(super) const CHANGES: TableDefinition<u64, &[u8]> = TableDefinition::new("changes");
pub(super) const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
pub(super) const JOIN_STATES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("join_states");

pub(super) const META_REVISION: &str = "revision";
pub(super) const META_FLOOR: &str = "floor";

/// `tag | parent | 0x00`: the prefix shared by every record of one parent.
pub(super) fn parent_prefix(kind: Kind, parent: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(parent.len() + 40);
    k.push(kind.tag());
    k.extend_from_slice(parent.as_bytes());
    k.push(0);
    k
}

/// The `records` key of a record.
pub(super) fn record_key(kind: Kind, key: &RecordKey) -> Vec<u8> {
    let mut k = parent_prefix(kind, &key.parent);
    k.extend_from_slice(key.id.as_bytes());
    k
}

/// The exclusive upper bound of a parent's range (`tag | parent | 0x01`).
pub(super) fn parent_end(kind: Kind, parent: &str) -> Vec<u8> {
    let mut k = parent_prefix(kind, parent);
    if let Some(last) = k.last_mut() {
        *last = 1;
    }
    k
}

/// The `unique` key of a unique value. Primary keys are not stored there: the `records` key is
/// its own claim in one transaction.
pub(super) fn unique_key(u: &UniqueKey) -> Vec<u8> {
    let tag = match u.kind {
        UniqueKind::Primary(k) => 0x80 | k.tag(),
        UniqueKind::DevEui => 1,
        UniqueKind::GatewayEui => 2,
        UniqueKind::ApiKeyId => 3,
        UniqueKind::Email => 4,
    };
    let mut k = Vec::with_capacity(u.value.len() + 1);
    k.push(tag);
    k.extend_from_slice(u.value.as_bytes());
    k
}

/// A page token: the last id returned, hex so it is opaque and printable.
pub(super) fn encode_token(id: &str) -> String {
    hex::encode(id.as_bytes())
}

/// Reads a page token back; anything not made by [`encode_token`] is invalid input.
pub(super) fn decode_token(token: &str) -> Result<String, StoreError> {
    hex::decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .filter(|s| !s.contains('\0'))
        .ok_or_else(|| StoreError::invalid("page_token", "not a token this store issued"))
}

/// Maps any redb error to [`StoreError::Backend`].
pub(super) fn be(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("redb: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parent_range_holds_exactly_its_children() {
        let p = parent_prefix(Kind::EndDevice, "app");
        let end = parent_end(Kind::EndDevice, "app");
        let inside = record_key(Kind::EndDevice, &RecordKey::child("app", "zzz"));
        let other_parent = record_key(Kind::EndDevice, &RecordKey::child("app-2", "aaa"));
        let other_kind = record_key(Kind::Gateway, &RecordKey::root("app"));
        assert!(p < inside && inside < end);
        assert!(!(p <= other_parent && other_parent < end));
        assert!(!(p <= other_kind && other_kind < end));
    }

    #[test]
    fn tokens_round_trip_and_garbage_is_invalid() {
        assert_eq!(decode_token(&encode_token("dev-1")).unwrap(), "dev-1");
        for bad in ["zz", "0", "ff", "00"] {
            assert!(
                matches!(decode_token(bad), Err(StoreError::Invalid { .. })),
                "{bad}"
            );
        }
    }
}
