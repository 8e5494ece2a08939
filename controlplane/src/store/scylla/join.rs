//! Join Server state on ScyllaDB: compare-and-set by lightweight transaction on
//! `join_states.version` (`INSERT ... IF NOT EXISTS` for the first write, `UPDATE ... IF version
//! = ?` after), serial consistency LOCAL_SERIAL (the driver's default).

use super::ScyllaStore;
use super::rows::{be, lwt_applied};
use crate::store::error::{StoreError, StoreResult};
use crate::store::model::JoinState;
use crate::store::record::{decode, encode};
use crate::store::traits::JoinStateStore;
use async_trait::async_trait;
use shared::types::{DevEui, JoinEui};

impl ScyllaStore {
    async fn read_join_state(
        &self,
        join_eui: JoinEui,
        dev_eui: DevEui,
    ) -> StoreResult<Option<JoinState>> {
        let (je, de) = (join_eui.to_string(), dev_eui.to_string());
        let res = self
            .session
            .execute_unpaged(&self.st.join_get, (&je, &de))
            .await
            .map_err(be)?;
        let rows = res.into_rows_result().map_err(be)?;
        match rows.maybe_first_row::<(i64, Vec<u8>)>().map_err(be)? {
            Some((_, value)) => decode(&format!("{je}:{de}"), &value).map(Some),
            None => Ok(None),
        }
    }
}

#[async_trait]
impl JoinStateStore for ScyllaStore {
    async fn get_join_state(
        &self,
        join_eui: JoinEui,
        dev_eui: DevEui,
    ) -> StoreResult<Option<JoinState>> {
        self.read_join_state(join_eui, dev_eui).await
    }

    async fn cas_join_state(
        &self,
        mut state: JoinState,
        expected: Option<u64>,
    ) -> StoreResult<JoinState> {
        let (je, de) = (state.join_eui.to_string(), state.dev_eui.to_string());
        state.version = expected.map_or(1, |v| v + 1);
        let version = i64::try_from(state.version).map_err(be)?;
        let value = encode(&state)?;
        let res = match expected {
            None => {
                self.session
                    .execute_unpaged(&self.st.join_insert, (&je, &de, version, &value))
                    .await
            }
            Some(v) => {
                let v = i64::try_from(v).map_err(be)?;
                self.session
                    .execute_unpaged(&self.st.join_update, (version, &value, &je, &de, v))
                    .await
            }
        }
        .map_err(be)?;
        let applied = lwt_applied(res)?;
        if applied {
            return Ok(state);
        }
        // Not applied: report what is there now (read after the fact, for the error only).
        let found = self
            .read_join_state(state.join_eui, state.dev_eui)
            .await?
            .map(|s| s.version);
        Err(StoreError::Conflict {
            key: format!("{je}:{de}"),
            expected,
            found,
        })
    }
}
