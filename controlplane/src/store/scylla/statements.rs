//! Every CQL statement the backend runs, prepared once at connect. Prepared statements let the
//! driver's default load-balancing policy (`DefaultPolicy`: token-aware and shard-aware) send
//! each request straight to a replica owning its partition, and to the right shard on it.
//!
//! Tables are in `deploy/scylla/migrations/`; the per-kind statements below follow one column
//! shape: root kinds `(id, value)`, child kinds `((parent), id, value)`.

use crate::store::error::{StoreError, StoreResult};
use crate::store::record::Kind;
use scylla::client::session::Session;
use scylla::statement::prepared::PreparedStatement;

/// Table and key columns of one record kind.
pub(super) struct TableSpec {
    pub table: &'static str,
    pub parent: Option<&'static str>,
    pub id: &'static str,
}

pub(super) const fn table_spec(kind: Kind) -> TableSpec {
    let (table, parent, id) = match kind {
        Kind::User => ("users", None, "user_id"),
        Kind::Organization => ("organizations", None, "organization_id"),
        Kind::Application => ("applications", None, "application_id"),
        Kind::Gateway => ("gateways", None, "gateway_id"),
        Kind::OAuthClient => ("oauth_clients", None, "client_id"),
        Kind::EndDevice => ("end_devices", Some("application_id"), "device_id"),
        Kind::ApiKey => ("api_keys", Some("owner"), "api_key_id"),
        Kind::Membership => ("memberships", Some("entity"), "collaborator"),
    };
    TableSpec { table, parent, id }
}

/// The four statements of one record kind.
pub(super) struct KindStatements {
    /// Upsert of the row (existence is decided by the primary claim in `unique_keys`).
    pub insert: PreparedStatement,
    /// The value of one row.
    pub select: PreparedStatement,
    /// Deletion of one row.
    pub delete: PreparedStatement,
    /// Values of one parent (child kinds) or of the table (root kinds), paged by the driver.
    pub list: PreparedStatement,
}

/// All prepared statements.
pub(super) struct Statements {
    kinds: Vec<(Kind, KindStatements)>,
    pub unique_claim: PreparedStatement,
    pub unique_get: PreparedStatement,
    pub unique_release: PreparedStatement,
    pub join_get: PreparedStatement,
    pub join_insert: PreparedStatement,
    pub join_update: PreparedStatement,
    pub log_append: PreparedStatement,
    pub log_read: PreparedStatement,
    pub log_drop: PreparedStatement,
    pub meta_get: PreparedStatement,
    pub meta_set: PreparedStatement,
}

impl Statements {
    /// The statements of `kind`.
    pub fn kind(&self, kind: Kind) -> StoreResult<&KindStatements> {
        self.kinds
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, s)| s)
            .ok_or_else(|| StoreError::Backend(format!("no statements for {}", kind.name())))
    }

    /// Prepares everything; run once per session, after `USE keyspace`.
    pub async fn prepare(s: &Session) -> StoreResult<Self> {
        let mut kinds = Vec::new();
        for kind in Kind::ALL {
            let t = table_spec(kind);
            let (cols, marks, key) = match t.parent {
                Some(p) => (
                    format!("{p}, {}", t.id),
                    "?, ?",
                    format!("{p} = ? AND {} = ?", t.id),
                ),
                None => (t.id.to_string(), "?", format!("{} = ?", t.id)),
            };
            let list = match t.parent {
                Some(p) => format!("SELECT value FROM {} WHERE {p} = ?", t.table),
                None => format!("SELECT value FROM {}", t.table),
            };
            let ks = KindStatements {
                insert: prep(
                    s,
                    &format!(
                        "INSERT INTO {} ({cols}, value) VALUES ({marks}, ?)",
                        t.table
                    ),
                )
                .await?,
                select: prep(s, &format!("SELECT value FROM {} WHERE {key}", t.table)).await?,
                delete: prep(s, &format!("DELETE FROM {} WHERE {key}", t.table)).await?,
                list: prep(s, &list).await?,
            };
            kinds.push((kind, ks));
        }
        Ok(Self {
            kinds,
            unique_claim: prep(
                s,
                "INSERT INTO unique_keys (kind, value, owner_parent, owner_id) VALUES (?, ?, ?, ?) IF NOT EXISTS",
            )
            .await?,
            unique_get: prep(
                s,
                "SELECT owner_parent, owner_id, WRITETIME(owner_id) FROM unique_keys WHERE kind = ? AND value = ?",
            )
            .await?,
            unique_release: prep(
                s,
                "DELETE FROM unique_keys WHERE kind = ? AND value = ? IF owner_parent = ? AND owner_id = ?",
            )
            .await?,
            join_get: prep(s, "SELECT version, value FROM join_states WHERE join_eui = ? AND dev_eui = ?").await?,
            join_insert: prep(
                s,
                "INSERT INTO join_states (join_eui, dev_eui, version, value) VALUES (?, ?, ?, ?) IF NOT EXISTS",
            )
            .await?,
            join_update: prep(
                s,
                "UPDATE join_states SET version = ?, value = ? WHERE join_eui = ? AND dev_eui = ? IF version = ?",
            )
            .await?,
            log_append: prep(
                s,
                "INSERT INTO change_log (bucket, shard, revision, entity, delta) VALUES (?, ?, ?, ?, ?) USING TTL ?",
            )
            .await?,
            log_read: prep(
                s,
                "SELECT revision, entity, delta FROM change_log \
                 WHERE bucket = ? AND shard = ? AND revision > ? AND revision <= ? LIMIT ?",
            )
            .await?,
            log_drop: prep(s, "DELETE FROM change_log WHERE bucket = ? AND shard = ?").await?,
            meta_get: prep(s, "SELECT value FROM store_meta WHERE name = ?").await?,
            // The write timestamp is the value itself, so concurrent writers keep the largest.
            meta_set: prep(s, "UPDATE store_meta USING TIMESTAMP ? SET value = ? WHERE name = ?").await?,
        })
    }
}

async fn prep(s: &Session, cql: &str) -> StoreResult<PreparedStatement> {
    s.prepare(cql)
        .await
        .map_err(|e| StoreError::Backend(format!("prepare {cql:?}: {e}")))
}
