//! Settings of the connections to Postgres and Redis: where, how many, and over what
//! (`store::tls` applies the TLS ones).

use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;

use super::Secret;

#[derive(Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: Option<Secret>,
    pub url_file: Option<PathBuf>,
    pub max_connections: u32,
    /// Connections beside the pool for the issuance's claim and settlement (`store::hot`).
    #[serde(default = "default_hot_connections")]
    pub hot_connections: u32,
    pub acquire_timeout_ms: u64,
    /// Server-side deadlines set on every session of the service's pools (0: none): the
    /// longest a statement runs, a lock is waited for, and a transaction may sit idle, so
    /// a stuck statement or a held lock costs one request a clear error, not a connection
    /// for ever. Migrations run without them.
    #[serde(default = "default_statement_timeout_ms")]
    pub statement_timeout_ms: u64,
    #[serde(default = "default_lock_timeout_ms")]
    pub lock_timeout_ms: u64,
    #[serde(default = "default_idle_in_transaction_timeout_ms")]
    pub idle_in_transaction_timeout_ms: u64,
    pub auto_migrate: bool,
    pub create_if_missing: bool,
    /// A PEM file of the CA (or CAs) that signed the server's certificate, for a private CA;
    /// trusted beside the public roots. The URL's `sslmode` says whether it is checked.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Why plaintext to a non-loopback host is acceptable (a private link, a service mesh
    /// that encrypts): without it the production profile refuses such a URL.
    #[serde(default)]
    pub plaintext_trusted_reason: Option<String>,
}

fn default_hot_connections() -> u32 {
    8
}

fn default_statement_timeout_ms() -> u64 {
    10_000
}

fn default_lock_timeout_ms() -> u64 {
    2_000
}

fn default_idle_in_transaction_timeout_ms() -> u64 {
    30_000
}

impl fmt::Debug for DatabaseSettings {
    // The URL may carry a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &"<redacted>")
            .field("url_file", &self.url_file)
            .field("max_connections", &self.max_connections)
            .field("hot_connections", &self.hot_connections)
            .field("ca_file", &self.ca_file)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Deserialize)]
pub struct RedisSettings {
    pub url: Option<Secret>,
    pub url_file: Option<PathBuf>,
    pub key_prefix: String,
    pub command_timeout_ms: u64,
    /// Seconds a settled answer stays in the replay cache; 0: no cache.
    #[serde(default = "default_answer_cache_ttl_secs")]
    pub answer_cache_ttl_secs: u64,
    /// KiB of replayed answers each process keeps in memory in front of Redis; 0: none.
    #[serde(default = "default_local_answer_cache_kib")]
    pub local_answer_cache_kib: u64,
    /// A PEM file of the CA (or CAs) that signed the server's certificate (`rediss://`
    /// only); set, it replaces the public roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Why a `redis://` URL to a non-loopback host is acceptable: without it the production
    /// profile refuses it.
    #[serde(default)]
    pub plaintext_trusted_reason: Option<String>,
}

fn default_local_answer_cache_kib() -> u64 {
    4096
}

fn default_answer_cache_ttl_secs() -> u64 {
    24 * 3600
}

impl fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSettings")
            .field("url", &"<redacted>")
            .field("key_prefix", &self.key_prefix)
            .field("ca_file", &self.ca_file)
            .finish_non_exhaustive()
    }
}
