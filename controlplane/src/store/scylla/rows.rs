//! Mapping between records and CQL rows: key columns as text, values as JSON blobs, and the
//! `[applied]` column of lightweight transactions.

use crate::store::error::{StoreError, StoreResult};
use crate::store::record::{Kind, RecordKey, UniqueKey};
use scylla::response::query_result::QueryResult;
use scylla::value::{CqlValue, Row};

/// Key columns of a record, in the order of its table's primary key.
pub(super) fn key_values(kind: Kind, key: &RecordKey) -> Vec<CqlValue> {
    let mut v = Vec::with_capacity(3);
    if kind.has_parent() {
        v.push(CqlValue::Text(key.parent.clone()));
    }
    v.push(CqlValue::Text(key.id.clone()));
    v
}

/// Key columns then the value blob, for an insert.
pub(super) fn row_values(kind: Kind, key: &RecordKey, value: Vec<u8>) -> Vec<CqlValue> {
    let mut v = key_values(kind, key);
    v.push(CqlValue::Blob(value));
    v
}

/// `(kind, value)` of a unique key row.
pub(super) fn unique_values(u: &UniqueKey) -> (String, String) {
    (u.kind.name().to_string(), u.value.clone())
}

/// Whether a lightweight transaction applied (its `[applied]` column; the other columns it
/// returns when not applied vary by Scylla version, so callers read the row again instead).
pub(super) fn lwt_applied(res: QueryResult) -> StoreResult<bool> {
    let rows = res.into_rows_result().map_err(be)?;
    let row: Row = rows.first_row().map_err(be)?;
    match row.columns.into_iter().next() {
        Some(Some(CqlValue::Boolean(applied))) => Ok(applied),
        other => Err(StoreError::Backend(format!(
            "LWT result without [applied]: {other:?}"
        ))),
    }
}

/// The single blob column of every row of a result.
pub(super) fn blobs(res: QueryResult) -> StoreResult<Vec<Vec<u8>>> {
    let rows = res.into_rows_result().map_err(be)?;
    rows.rows::<(Vec<u8>,)>()
        .map_err(be)?
        .map(|r| r.map(|(b,)| b).map_err(be))
        .collect()
}

/// The blob of the first row, if any.
pub(super) fn maybe_blob(res: QueryResult) -> StoreResult<Option<Vec<u8>>> {
    let rows = res.into_rows_result().map_err(be)?;
    Ok(rows
        .maybe_first_row::<(Vec<u8>,)>()
        .map_err(be)?
        .map(|(b,)| b))
}

/// Maps a driver error to [`StoreError::Backend`].
pub(super) fn be(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("scylla: {e}"))
}
