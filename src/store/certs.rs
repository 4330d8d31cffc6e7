//! The archive of learned Alipay certificates ([`crate::alipay::client::CertArchive`]).

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use sqlx::PgPool;

use crate::alipay::client::CertArchive;
use crate::store::failed;
use alipay_protocol::chain::TrustedCert;

pub struct PgCertArchive {
    pub db: PgPool,
}

impl CertArchive for PgCertArchive {
    fn load<'a>(&'a self, sn: &'a str) -> BoxFuture<'a, Option<String>> {
        Box::pin(async move {
            // A failed read is logged and costs one download from the gateway, which is
            // verified like any other: never a trust decision.
            sqlx::query_scalar!("SELECT chain_pem FROM alipay_certs WHERE sn = $1", sn)
                .fetch_optional(&self.db)
                .await
                .map_err(failed("load_alipay_cert"))
                .ok()
                .flatten()
        })
    }

    fn save<'a>(&'a self, cert: &'a TrustedCert, chain_pem: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let not_after: DateTime<Utc> = DateTime::from(cert.not_after);
            // Losing this write costs another replica one download, nothing more.
            let _ = sqlx::query!(
                "INSERT INTO alipay_certs (sn, chain_pem, not_after) VALUES ($1, $2, $3) \
                 ON CONFLICT (sn) DO NOTHING",
                &cert.sn,
                chain_pem,
                not_after
            )
            .execute(&self.db)
            .await
            .map_err(failed("save_alipay_cert"));
        })
    }
}
