//! Schema migrations, applied at connect: create the keyspace if missing, then every file of
//! `deploy/scylla/migrations/` not yet recorded in `schema_migrations`, statement by statement
//! (each idempotent, so instances starting together or a crash half-way are harmless), then
//! record the version.

use super::rows::be;
use crate::store::error::{StoreError, StoreResult};
use scylla::client::session::Session;

/// Migrations in order: (version, name, CQL).
pub(super) const MIGRATIONS: &[(i32, &str, &str)] = &[(
    1,
    "initial",
    include_str!("../../../../deploy/scylla/migrations/0001_initial.cql"),
)];

/// Statements of a migration file: split at `;` ending a line, comments dropped.
pub(super) fn statements(cql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in cql.lines() {
        let line = line.trim_end();
        if line.trim_start().starts_with("--") || line.trim().is_empty() {
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
        if line.ends_with(';') {
            out.push(cur.trim().trim_end_matches(';').to_string());
            cur.clear();
        }
    }
    out
}

/// A keyspace name CQL accepts unquoted.
pub(super) fn check_keyspace(ks: &str) -> StoreResult<()> {
    let ok = (1..=48).contains(&ks.len())
        && ks
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
        && ks.as_bytes().first().is_some_and(u8::is_ascii_lowercase);
    if ok {
        Ok(())
    } else {
        Err(StoreError::invalid("keyspace", format!("{ks:?}")))
    }
}

/// Creates the keyspace, uses it, and applies pending migrations.
pub(super) async fn apply(s: &Session, keyspace: &str, replication: &str) -> StoreResult<()> {
    check_keyspace(keyspace)?;
    s.query_unpaged(
        format!("CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = {replication}"),
        (),
    )
    .await
    .map_err(be)?;
    s.await_schema_agreement().await.map_err(be)?;
    s.use_keyspace(keyspace, false).await.map_err(be)?;
    s.query_unpaged(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, name text, applied_at bigint)",
        (),
    )
    .await
    .map_err(be)?;
    s.await_schema_agreement().await.map_err(be)?;
    let applied = s
        .query_unpaged("SELECT version FROM schema_migrations", ())
        .await
        .map_err(be)?;
    let rows = applied.into_rows_result().map_err(be)?;
    let done: Vec<i32> = rows
        .rows::<(i32,)>()
        .map_err(be)?
        .map(|r| r.map(|(v,)| v))
        .collect::<Result<_, _>>()
        .map_err(be)?;
    for &(version, name, cql) in MIGRATIONS {
        if done.contains(&version) {
            continue;
        }
        tracing::info!(version, name, "applying ScyllaDB migration");
        for stmt in statements(cql) {
            s.query_unpaged(stmt, ()).await.map_err(be)?;
        }
        s.await_schema_agreement().await.map_err(be)?;
        let now = super::log::now_micros() as i64 / 1000;
        s.query_unpaged(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            (version, name, now),
        )
        .await
        .map_err(be)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalize(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn schema_cql_holds_every_migration_statement() {
        let schema = normalize(include_str!("../../../../deploy/scylla/schema.cql"));
        for (version, _, cql) in MIGRATIONS {
            let stmts = statements(cql);
            assert!(!stmts.is_empty(), "migration {version} is empty");
            for st in stmts {
                assert!(schema.contains(&normalize(&st)), "schema.cql lacks: {st}");
                assert!(st.contains("IF NOT EXISTS"), "not idempotent: {st}");
            }
        }
    }

    #[test]
    fn every_kind_has_its_table() {
        let cql = MIGRATIONS.iter().map(|m| m.2).collect::<String>();
        for kind in crate::store::record::Kind::ALL {
            let t = super::super::statements::table_spec(kind).table;
            assert!(
                cql.contains(&format!("CREATE TABLE IF NOT EXISTS {t} (")),
                "{t}"
            );
        }
    }

    #[test]
    fn keyspace_names() {
        for (ks, ok) in [
            ("lorawan", true),
            ("ks_1", true),
            ("1ks", false),
            ("a;drop", false),
            ("", false),
        ] {
            assert_eq!(check_keyspace(ks).is_ok(), ok, "{ks}");
        }
    }
}
