//! One conformance suite for every backend: CRUD of each entity, uniqueness (with concurrent
//! creates racing for one EUI), compare-and-set of the Join Server state, exhaustive pagination,
//! change-log order, compaction and bad input.
//!
//! Each case is a public `async fn(Ctx)` that panics on a failed check (this is test support).
//! Cases use ids and EUIs salted with [`Ctx::run`] and only check what they wrote, so they can
//! share a database with other runs (Scylla); the compaction case moves the store-wide floor and
//! must run after the others on a shared store, as [`run_all`] does.

mod changes;
mod crud;
pub mod fixtures;
mod paging;
mod unique;

pub use changes::{compaction, revisions_and_changes};
pub use crud::{bad_input, child_entities_crud, root_entities_crud};
pub use paging::pagination;
pub use unique::{join_state_cas, uniqueness, uniqueness_races};

use super::Store;
use super::revision::Revision;
use std::sync::Arc;
use std::time::Duration;

/// What a case runs against.
#[derive(Clone)]
pub struct Ctx {
    /// The store under test.
    pub store: Arc<dyn Store>,
    /// A salt (4 lowercase hex digits) making this run's ids and EUIs its own.
    pub run: String,
    /// Salt as a number, mixed into EUIs.
    pub salt: u64,
}

impl Ctx {
    /// A context with a salt from the clock and the process id.
    pub fn new(store: Arc<dyn Store>) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let salt = u64::from((nanos ^ std::process::id().rotate_left(16)) & 0xFFFF);
        Self {
            store,
            run: format!("{salt:04x}"),
            salt,
        }
    }

    /// An id `name-<run>` (name of at most 31 characters).
    pub fn id(&self, name: &str) -> String {
        format!("{name}-{}", self.run)
    }

    /// An EUI unique to this run and `n`.
    pub fn eui(&self, n: u64) -> u64 {
        0x70B3_D500_0000_0000 | (self.salt << 24) | (n & 0xFF_FFFF)
    }

    /// Waits (bounded, 10 s) until the store's current revision reaches `r`; Scylla publishes
    /// revisions after a settle delay.
    pub async fn wait_revision(&self, r: Revision) {
        for _ in 0..200 {
            if self
                .store
                .current_revision()
                .await
                .expect("current_revision")
                >= r
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("current revision never reached {r}");
    }
}

/// Every case in an order safe for a shared store (compaction last).
pub async fn run_all(store: Arc<dyn Store>) {
    let ctx = Ctx::new(store);
    root_entities_crud(ctx.clone()).await;
    child_entities_crud(ctx.clone()).await;
    uniqueness(ctx.clone()).await;
    uniqueness_races(ctx.clone()).await;
    join_state_cas(ctx.clone()).await;
    pagination(ctx.clone()).await;
    bad_input(ctx.clone()).await;
    revisions_and_changes(ctx.clone()).await;
    compaction(ctx).await;
}
