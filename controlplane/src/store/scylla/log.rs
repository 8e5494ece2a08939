//! The change log on ScyllaDB: revisions from a hybrid clock, a table bucketed by time and
//! sharded by entity, and the settle horizon that makes reading it in revision order safe.
//!
//! Revision = `unix_micros << 10 | instance_tag` (10 random bits per store handle), forced to
//! increase within a process. Entry `r` lives in partition `(bucket(r), shard(entity))`, so a
//! bucket's writes spread over `log_shards` partitions. A reader takes `horizon = (now −
//! settle) << 10 | 0x3FF` and reads every shard of each bucket from `after` to the horizon,
//! merging by `(revision, entity)`; a page never ends inside a group of equal revisions.

use super::ScyllaStore;
use super::rows::be;
use crate::store::error::{StoreError, StoreResult};
use crate::store::record::{decode, encode};
use crate::store::revision::{Change, Delta, Revision};
use crate::store::traits::{ChangeLog, check_change_limit};
use async_trait::async_trait;
use scylla::value::CqlValue;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

const TAG_BITS: u32 = 10;
pub(super) const FLOOR: &str = "floor";

/// Microseconds since the Unix epoch.
pub(super) fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// Issues increasing revisions for one store handle.
pub(super) struct RevisionClock {
    last: AtomicU64,
    tag: u64,
}

impl RevisionClock {
    pub fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let tag = u64::from(nanos ^ std::process::id().rotate_left(7)) & ((1 << TAG_BITS) - 1);
        Self {
            last: AtomicU64::new(0),
            tag,
        }
    }

    /// The next revision: the clock's, or one tick past the last issued if the clock lags.
    pub fn next(&self) -> u64 {
        let mut last = self.last.load(Ordering::Relaxed);
        loop {
            let from_clock = (now_micros() << TAG_BITS) | self.tag;
            let next = from_clock.max(last + (1 << TAG_BITS));
            match self
                .last
                .compare_exchange_weak(last, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return next,
                Err(seen) => last = seen,
            }
        }
    }
}

impl ScyllaStore {
    fn bucket(&self, rev: u64) -> i64 {
        ((rev >> TAG_BITS) / (self.cfg.bucket_secs.max(1) * 1_000_000)) as i64
    }

    fn shard(&self, entity: &str) -> i32 {
        // FNV-1a: stable across processes and versions (std's hasher is not).
        let h = entity.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        (h % u64::from(self.cfg.log_shards.max(1))) as i32
    }

    /// The newest revision readers may trust to be complete.
    fn horizon(&self) -> u64 {
        let settle = self.cfg.settle.as_micros() as u64;
        (now_micros().saturating_sub(settle) << TAG_BITS) | ((1 << TAG_BITS) - 1)
    }

    /// The oldest revision still answerable: the stored floor, or the retention edge.
    async fn floor(&self) -> StoreResult<u64> {
        let res = self
            .session
            .execute_unpaged(&self.st.meta_get, (FLOOR,))
            .await
            .map_err(be)?;
        let rows = res.into_rows_result().map_err(be)?;
        let stored = rows
            .maybe_first_row::<(i64,)>()
            .map_err(be)?
            .map_or(0, |(v,)| v.max(0) as u64);
        let retention = self.cfg.retention.as_micros() as u64;
        let ttl_edge = now_micros().saturating_sub(retention) << TAG_BITS;
        Ok(stored.max(ttl_edge))
    }

    /// Bind values of the change-log insert for `delta` (to go in the record's logged batch).
    pub(super) fn log_values(
        &self,
        rev: u64,
        entity: &str,
        delta: &Delta,
    ) -> StoreResult<Vec<CqlValue>> {
        let change = Change {
            revision: Revision(rev),
            delta: delta.clone(),
        };
        Ok(vec![
            CqlValue::BigInt(self.bucket(rev)),
            CqlValue::Int(self.shard(entity)),
            CqlValue::BigInt(rev as i64),
            CqlValue::Text(entity.to_string()),
            CqlValue::Blob(encode(&change)?),
            CqlValue::Int(self.cfg.retention.as_secs().min(i32::MAX as u64) as i32),
        ])
    }

    async fn read_bucket(
        &self,
        bucket: i64,
        after: u64,
        upto: u64,
        limit: u32,
    ) -> StoreResult<Vec<(u64, String, Vec<u8>)>> {
        let mut set = tokio::task::JoinSet::new();
        for shard in 0..self.cfg.log_shards.max(1) as i32 {
            let (session, st) = (self.session.clone(), self.st.clone());
            let values = (bucket, shard, after as i64, upto as i64, limit as i32 + 1);
            set.spawn(async move { session.execute_unpaged(&st.log_read, values).await });
        }
        let mut out = Vec::new();
        while let Some(joined) = set.join_next().await {
            let res = joined.map_err(be)?.map_err(be)?;
            let rows = res.into_rows_result().map_err(be)?;
            for row in rows.rows::<(i64, String, Vec<u8>)>().map_err(be)? {
                let (rev, entity, delta) = row.map_err(be)?;
                out.push((rev as u64, entity, delta));
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl ChangeLog for ScyllaStore {
    async fn current_revision(&self) -> StoreResult<Revision> {
        Ok(Revision(self.horizon()))
    }

    async fn changes_since(&self, after: Revision, limit: u32) -> StoreResult<Vec<Change>> {
        check_change_limit(limit)?;
        let floor = self.floor().await?;
        if after.0 < floor {
            return Err(StoreError::Compacted {
                requested: after,
                floor: Revision(floor),
            });
        }
        let horizon = self.horizon();
        if after.0 >= horizon {
            return Ok(Vec::new());
        }
        let mut found = Vec::new();
        for bucket in self.bucket(after.0 + 1)..=self.bucket(horizon) {
            let mut rows = self.read_bucket(bucket, after.0, horizon, limit).await?;
            rows.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
            found.extend(rows);
            if found.len() > limit as usize {
                break;
            }
        }
        if let Some(boundary) = found.get(limit as usize).map(|r| r.0) {
            found.truncate(limit as usize);
            let keep = found.iter().take_while(|r| r.0 < boundary).count();
            if keep > 0 {
                found.truncate(keep);
            }
        }
        found
            .iter()
            .map(|(rev, _, delta)| decode(&format!("change {rev}"), delta))
            .collect()
    }

    async fn compact(&self, through: Revision) -> StoreResult<()> {
        if through.0 > self.horizon() {
            return Err(StoreError::invalid(
                "through",
                format!("{through} is past the current revision"),
            ));
        }
        let old = self.floor().await?;
        if through.0 <= old {
            return Ok(());
        }
        let ts = i64::try_from(through.0).map_err(be)?;
        self.session
            .execute_unpaged(&self.st.meta_set, (ts, ts, FLOOR))
            .await
            .map_err(be)?;
        // Whole buckets below the floor's bucket hold nothing a reader may ask for.
        for bucket in self.bucket(old.max(1))..self.bucket(through.0) {
            for shard in 0..self.cfg.log_shards.max(1) as i32 {
                self.session
                    .execute_unpaged(&self.st.log_drop, (bucket, shard))
                    .await
                    .map_err(be)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_increase_and_keep_the_tag() {
        let c = RevisionClock::new();
        let mut last = 0;
        for _ in 0..10_000 {
            let r = c.next();
            assert!(r > last);
            assert_eq!(r & ((1 << TAG_BITS) - 1), c.tag);
            last = r;
        }
    }
}
