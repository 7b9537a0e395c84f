//! The webhook dedupe store in Redis: `<prefix>:webhook:<vendor>:<event id>` holds a
//! claim's token while a handler runs (expiring with the lease) and `processed` after
//! it succeeded (expiring after the retention). A claim is one script
//! (`dedupe_claim.lua`), so of two replicas receiving one event at once exactly one
//! claims it.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use redis::Script;

use super::{RedisState, millis};
use crate::shared::StoreFuture;
use crate::webhook::{Claim, DedupeStore};

static CLAIM: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("dedupe_claim.lua")));
static RELEASE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("dedupe_release.lua")));

/// The value of a processed event's key.
const PROCESSED: &str = "processed";

impl RedisState {
    /// The webhook dedupe store: claims and processed marks under
    /// `<prefix>:webhook:<vendor>:<event id>`, shared by every replica.
    pub fn dedupe_store(&self) -> Arc<dyn DedupeStore> {
        Arc::new(self.clone())
    }

    fn webhook_key(&self, key: &str) -> String {
        self.key(&format!("webhook:{key}"))
    }
}

impl DedupeStore for RedisState {
    fn claim<'a>(
        &'a self,
        key: &'a str,
        token: &'a str,
        lease: Duration,
    ) -> StoreFuture<'a, Claim> {
        Box::pin(async move {
            let mut inv = CLAIM.prepare_invoke();
            inv.key(self.webhook_key(key)).arg(token).arg(millis(lease));
            let found: i64 = self
                .run("webhook claim", |mut conn| async move {
                    inv.invoke_async(&mut conn).await
                })
                .await?;
            Ok(match found {
                1 => Claim::Claimed,
                2 => Claim::Processed,
                _ => Claim::InFlight,
            })
        })
    }

    fn complete<'a>(&'a self, key: &'a str, retention: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let rkey = self.webhook_key(key);
            self.run("webhook complete", |mut conn| async move {
                redis::cmd("SET")
                    .arg(rkey)
                    .arg(PROCESSED)
                    .arg("PX")
                    .arg(millis(retention))
                    .query_async(&mut conn)
                    .await
            })
            .await
        })
    }

    fn release<'a>(&'a self, key: &'a str, token: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut inv = RELEASE.prepare_invoke();
            inv.key(self.webhook_key(key)).arg(token);
            let _: i64 = self
                .run("webhook release", |mut conn| async move {
                    inv.invoke_async(&mut conn).await
                })
                .await?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::RedisConfig;

    /// A real server: the scripts claim once, keep `processed` for the retention and
    /// release only their own claim.
    #[tokio::test]
    async fn claims_are_exclusive_and_expire_on_the_server() {
        let server = crate::testing::RedisServer::start().await;
        let s = RedisState::new(RedisConfig::new(server.url())).expect("valid");
        let store = s.dedupe_store();
        let lease = Duration::from_secs(60);
        assert_eq!(
            store
                .claim("V:evt_1", "claim:a", lease)
                .await
                .expect("redis"),
            Claim::Claimed
        );
        assert_eq!(
            store
                .claim("V:evt_1", "claim:b", lease)
                .await
                .expect("redis"),
            Claim::InFlight
        );
        store.release("V:evt_1", "claim:b").await.expect("redis");
        assert_eq!(
            store
                .claim("V:evt_1", "claim:b", lease)
                .await
                .expect("redis"),
            Claim::InFlight,
            "not b's to release"
        );
        store.release("V:evt_1", "claim:a").await.expect("redis");
        assert_eq!(
            store
                .claim("V:evt_1", "claim:c", lease)
                .await
                .expect("redis"),
            Claim::Claimed
        );
        store
            .complete("V:evt_1", Duration::from_secs(7 * 24 * 3600))
            .await
            .expect("redis");
        store.release("V:evt_1", "claim:c").await.expect("redis");
        assert_eq!(
            store
                .claim("V:evt_1", "claim:d", lease)
                .await
                .expect("redis"),
            Claim::Processed
        );
        let pttl = |key: &'static str| {
            let s = s.clone();
            async move {
                s.run("pttl", |mut conn| async move {
                    redis::cmd("PTTL")
                        .arg(key)
                        .query_async::<i64>(&mut conn)
                        .await
                })
                .await
                .expect("redis")
            }
        };
        let week_ms = 7 * 24 * 3600 * 1000;
        let left = pttl("portcullis:webhook:V:evt_1").await;
        assert!((week_ms - 5_000..=week_ms).contains(&left), "{left}");
        assert_eq!(
            store
                .claim("V:evt_2", "claim:a", Duration::from_millis(1500))
                .await
                .expect("redis"),
            Claim::Claimed
        );
        let left = pttl("portcullis:webhook:V:evt_2").await;
        assert!(
            (1..=1500).contains(&left),
            "the lease is the key's expiry: {left}"
        );
    }
}
