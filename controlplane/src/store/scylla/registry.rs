//! Records on ScyllaDB: every create first claims the record key and its unique values in
//! `unique_keys` by lightweight transaction (the only place besides the Join Server state where
//! LWT is used), then writes the row — and, for gateways and devices, the change-log entry —
//! in one logged batch, so the row and its change land together or not at all.
//!
//! A claim whose record never got written (a crash between claim and batch) is an orphan: a
//! later claimant takes it over with a conditional delete once it is older than
//! `ScyllaConfig::orphan_grace` and its record is absent. The grace keeps a claim whose batch
//! is still in flight from being taken. Updates are last-write-wins on the row.

use super::ScyllaStore;
use super::rows::{be, blobs, key_values, lwt_applied, maybe_blob, row_values, unique_values};
use crate::store::error::{StoreError, StoreResult};
use crate::store::record::{Kind, Record, RecordKey, UniqueKey, UniqueKind, decode, encode};
use crate::store::revision::{Delta, Revision};
use crate::store::traits::{Backend, Page, PageRequest};
use scylla::response::{PagingState, PagingStateResponse};
use scylla::statement::batch::{Batch, BatchType};
use scylla::value::CqlValue;
use std::collections::BTreeSet;

impl ScyllaStore {
    async fn read_row<R: Record>(&self, key: &RecordKey) -> StoreResult<Option<R>> {
        let st = self.st.kind(R::KIND)?;
        let res = self
            .session
            .execute_unpaged(&st.select, key_values(R::KIND, key))
            .await
            .map_err(be)?;
        maybe_blob(res)?.map(|b| decode(key, &b)).transpose()
    }

    async fn row_exists(&self, kind: Kind, key: &RecordKey) -> StoreResult<bool> {
        let st = self.st.kind(kind)?;
        let res = self
            .session
            .execute_unpaged(&st.select, key_values(kind, key))
            .await
            .map_err(be)?;
        Ok(maybe_blob(res)?.is_some())
    }

    /// Owner and write time (µs) of a unique key, if claimed.
    async fn unique_owner(&self, u: &UniqueKey) -> StoreResult<Option<(RecordKey, i64)>> {
        let res = self
            .session
            .execute_unpaged(&self.st.unique_get, unique_values(u))
            .await
            .map_err(be)?;
        let rows = res.into_rows_result().map_err(be)?;
        Ok(rows
            .maybe_first_row::<(String, String, Option<i64>)>()
            .map_err(be)?
            .map(|(parent, id, t)| (RecordKey { parent, id }, t.unwrap_or(0))))
    }

    async fn claim(&self, u: &UniqueKey, owner: &RecordKey) -> StoreResult<()> {
        for _ in 0..3 {
            let (kind, value) = unique_values(u);
            let values = (kind, value, owner.parent.clone(), owner.id.clone());
            // An LWT that failed (a timeout under contention) may or may not have applied;
            // the owner read below decides (for a primary key an unknown outcome reads as
            // taken, and the claim, if ours, is an orphan taken over after the grace).
            let applied = match self
                .session
                .execute_unpaged(&self.st.unique_claim, values)
                .await
            {
                Ok(res) => lwt_applied(res)?,
                Err(e) => {
                    tracing::debug!(error = %e, "unique claim failed; reading its owner");
                    false
                }
            };
            if applied {
                return Ok(());
            }
            let Some((held, written)) = self.unique_owner(u).await? else {
                continue;
            };
            if &held == owner && !matches!(u.kind, UniqueKind::Primary(_)) {
                return Ok(()); // ours: a non-primary key's owner holds the primary claim
            }
            let age = super::log::now_micros() as i64 - written;
            let orphan = age > self.cfg.orphan_grace.as_micros() as i64
                && !self.row_exists(u.kind.owner_kind(), &held).await?;
            if !orphan {
                return Err(u.taken());
            }
            tracing::warn!(unique = u.kind.name(), value = %u.value, "taking over an orphaned unique claim");
            self.release(u, &held).await?;
        }
        Err(u.taken())
    }

    async fn release(&self, u: &UniqueKey, owner: &RecordKey) -> StoreResult<()> {
        let (kind, value) = unique_values(u);
        let values = (kind, value, owner.parent.clone(), owner.id.clone());
        self.session
            .execute_unpaged(&self.st.unique_release, values)
            .await
            .map_err(be)?;
        Ok(())
    }

    /// Releases claims after a failed write; failures here leave orphans, taken over later.
    async fn release_all(&self, keys: &[UniqueKey], owner: &RecordKey) {
        for u in keys {
            if let Err(e) = self.release(u, owner).await {
                tracing::warn!(unique = u.kind.name(), error = %e, "could not release a unique claim");
            }
        }
    }

    /// Claims `keys` in order; on failure releases those taken and returns the error.
    async fn claim_all(&self, keys: &[UniqueKey], owner: &RecordKey) -> StoreResult<()> {
        for (i, u) in keys.iter().enumerate() {
            if let Err(e) = self.claim(u, owner).await {
                self.release_all(keys.get(..i).unwrap_or_default(), owner)
                    .await;
                return Err(e);
            }
        }
        Ok(())
    }

    /// Writes (or deletes) the row and, for logged kinds, its change in one logged batch.
    async fn write_row(
        &self,
        kind: Kind,
        key: &RecordKey,
        value: Option<Vec<u8>>,
        delta: Option<Delta>,
    ) -> StoreResult<Option<Revision>> {
        let st = self.st.kind(kind)?;
        let (stmt, values) = match value {
            Some(v) => (&st.insert, row_values(kind, key, v)),
            None => (&st.delete, key_values(kind, key)),
        };
        let Some(delta) = delta else {
            self.session
                .execute_unpaged(stmt, values)
                .await
                .map_err(be)?;
            return Ok(None);
        };
        let rev = self.clock.next();
        let mut batch = Batch::new(BatchType::Logged);
        batch.append_statement(stmt.clone());
        batch.append_statement(self.st.log_append.clone());
        let rows: Vec<Vec<CqlValue>> = vec![
            values,
            self.log_values(rev, &format!("{}/{key}", kind.name()), &delta)?,
        ];
        self.session.batch(&batch, rows).await.map_err(be)?;
        Ok(Some(Revision(rev)))
    }
}

impl Backend for ScyllaStore {
    async fn create<R: Record>(&self, record: R) -> StoreResult<Option<Revision>> {
        let key = record.key();
        let mut claims = vec![record.primary_key()];
        claims.extend(record.unique_keys());
        self.claim_all(&claims, &key).await?;
        let written = match encode(&record) {
            Ok(v) => {
                self.write_row(R::KIND, &key, Some(v), record.put_delta())
                    .await
            }
            Err(e) => Err(e),
        };
        if written.is_err() {
            self.release_all(&claims, &key).await;
        }
        written
    }

    async fn get<R: Record>(&self, key: RecordKey) -> StoreResult<R> {
        self.read_row(&key)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                kind: R::KIND.name(),
                key: key.to_string(),
            })
    }

    async fn update<R: Record>(&self, record: R) -> StoreResult<Option<Revision>> {
        let key = record.key();
        let old: R = self.get(key.clone()).await?;
        let old_u: BTreeSet<_> = old.unique_keys().into_iter().collect();
        let new_u: BTreeSet<_> = record.unique_keys().into_iter().collect();
        let added: Vec<_> = new_u.difference(&old_u).cloned().collect();
        self.claim_all(&added, &key).await?;
        let written = self
            .write_row(R::KIND, &key, Some(encode(&record)?), record.put_delta())
            .await;
        match written {
            Ok(rev) => {
                let gone: Vec<_> = old_u.difference(&new_u).cloned().collect();
                self.release_all(&gone, &key).await;
                Ok(rev)
            }
            Err(e) => {
                self.release_all(&added, &key).await;
                Err(e)
            }
        }
    }

    async fn delete<R: Record>(&self, key: RecordKey) -> StoreResult<Option<Revision>> {
        let old: R = self.get(key.clone()).await?;
        let rev = self
            .write_row(R::KIND, &key, None, old.delete_delta())
            .await?;
        let mut claims = old.unique_keys();
        claims.push(old.primary_key());
        self.release_all(&claims, &key).await;
        Ok(rev)
    }

    async fn list<R: Record>(&self, parent: String, page: PageRequest) -> StoreResult<Page<R>> {
        let mut stmt = self.st.kind(R::KIND)?.list.clone();
        stmt.set_page_size(page.limit as i32);
        let paging =
            match &page.token {
                None => PagingState::start(),
                Some(t) => PagingState::new_from_raw_bytes(hex::decode(t).map_err(|_| {
                    StoreError::invalid("page_token", "not a token this store issued")
                })?),
            };
        let values: Vec<CqlValue> = if R::KIND.has_parent() {
            vec![CqlValue::Text(parent)]
        } else {
            Vec::new()
        };
        let (res, next) = self
            .session
            .execute_single_page(&stmt, values, paging)
            .await
            .map_err(be)?;
        let items = blobs(res)?
            .iter()
            .map(|b| decode(&R::KIND.name(), b))
            .collect::<StoreResult<Vec<R>>>()?;
        let next_token = match next {
            PagingStateResponse::HasMorePages { state } => {
                state.as_bytes_slice().map(|b| hex::encode(b.as_ref()))
            }
            PagingStateResponse::NoMorePages => None,
        };
        Ok(Page { items, next_token })
    }

    async fn lookup<R: Record>(&self, unique: UniqueKey) -> StoreResult<R> {
        let missing = || StoreError::NotFound {
            kind: unique.kind.name(),
            key: unique.value.clone(),
        };
        let (owner, _) = self.unique_owner(&unique).await?.ok_or_else(missing)?;
        self.read_row(&owner).await?.ok_or_else(missing)
    }
}
