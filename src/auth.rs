//! Caller authentication: `Authorization: Bearer <key>`, keys configured only as SHA-256
//! hashes, each with a name and scopes.

use std::collections::HashMap;
use std::fmt;
use std::future::{ready, Ready};
use std::str::FromStr;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::apps::{
    ActingFor, App, Apps, Merchant, MerchantId, APP_AUTH_TOKEN_HEADER, MERCHANT_ID_HEADER,
};
use crate::config::Secret;
use crate::config::{ApiKeySetting, ConfigError, Profile, Settings};
use crate::error::ApiError;

/// Documented in the README and `config/local.toml`; refused by the production profile.
pub const DEVELOPMENT_KEY_SHA256: &str =
    "64484872be906bf33a058f51c90304815053c3acb4525c8b0d0ac53c8414516d";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    TemplatesWrite,
    PassesWrite,
    VouchersWrite,
    Read,
    /// Operators: `GET /v1/diagnostics`.
    Operator,
    /// Reads recipients' personal data (login_id, taobao_nick) unmasked.
    PiiRead,
    /// Registers and manages this key's webhook endpoints.
    WebhooksWrite,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::TemplatesWrite => "templates:write",
            Scope::PassesWrite => "passes:write",
            Scope::VouchersWrite => "vouchers:write",
            Scope::Read => "read",
            Scope::Operator => "operator",
            Scope::PiiRead => "pii:read",
            Scope::WebhooksWrite => "webhooks:write",
        }
    }
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "templates:write" => Ok(Scope::TemplatesWrite),
            "passes:write" => Ok(Scope::PassesWrite),
            "vouchers:write" => Ok(Scope::VouchersWrite),
            "read" => Ok(Scope::Read),
            "operator" => Ok(Scope::Operator),
            "pii:read" => Ok(Scope::PiiRead),
            "webhooks:write" => Ok(Scope::WebhooksWrite),
            other => Err(format!(
                "unknown scope `{other}` (templates:write, passes:write, vouchers:write, read, \
                 operator, pii:read, webhooks:write)"
            )),
        }
    }
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub name: String,
    scopes: Vec<Scope>,
    /// The apps this key may act for; empty: every app.
    apps: Vec<String>,
}

impl Caller {
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    /// Whether this key may act for the app named `app` (no restriction: every app).
    pub fn may_act_for(&self, app: &str) -> bool {
        self.apps.is_empty() || self.apps.iter().any(|name| name == app)
    }

    /// Whether this key may read app `app`'s records through the API (`read`, and an app
    /// it may act for): all that a webhook endpoint it registered may receive.
    pub fn may_read(&self, app: &str) -> bool {
        self.has(Scope::Read) && self.may_act_for(app)
    }

    /// The configured apps this key may act for, the default first.
    pub fn usable_apps<'a>(&'a self, apps: &'a Apps) -> impl Iterator<Item = &'a Arc<App>> + 'a {
        apps.iter().filter(|app| self.may_act_for(&app.name))
    }

    /// 403 unless the caller holds `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "API key `{}` lacks the `{}` scope",
                self.name,
                scope.as_str()
            )))
        }
    }
}

/// The configured keys, indexed by the SHA-256 of the key.
#[derive(Clone, Default)]
pub struct ApiKeys {
    by_hash: HashMap<[u8; 32], Arc<Caller>>,
}

impl fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.by_hash.values().map(|c| c.name.as_str()).collect();
        f.debug_struct("ApiKeys").field("names", &names).finish()
    }
}

#[derive(Deserialize)]
struct ApiKeysFile {
    #[serde(default)]
    api_keys: Vec<ApiKeySetting>,
}

impl ApiKeys {
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        let mut entries = settings.auth.api_keys.clone();
        if let Some(path) = settings
            .auth
            .api_keys_file
            .as_deref()
            .filter(|p| !p.as_os_str().is_empty())
        {
            let text = std::fs::read_to_string(path).map_err(|e| {
                ConfigError::invalid(
                    "auth.api_keys_file",
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
            let file: ApiKeysFile = toml_from_str(&text).map_err(|e| {
                ConfigError::invalid("auth.api_keys_file", format!("{}: {e}", path.display()))
            })?;
            entries.extend(file.api_keys);
        }
        let keys = Self::from_entries(&entries)?;
        if settings.profile == Profile::Production {
            if keys.by_hash.is_empty() {
                return Err(ConfigError::invalid(
                    "auth.api_keys",
                    "the production profile needs at least one API key",
                ));
            }
            if keys.contains_hash(DEVELOPMENT_KEY_SHA256) {
                return Err(ConfigError::invalid(
                    "auth.api_keys",
                    "the documented development key is not allowed in the production profile",
                ));
            }
        }
        Ok(keys)
    }

    pub fn from_entries(entries: &[ApiKeySetting]) -> Result<Self, ConfigError> {
        let mut by_hash = HashMap::new();
        for (index, entry) in entries.iter().enumerate() {
            let key = format!("auth.api_keys[{index}]");
            let hash = parse_sha256_hex(&entry.sha256).ok_or_else(|| {
                ConfigError::invalid(format!("{key}.sha256"), "must be 64 hex characters")
            })?;
            let scopes = entry
                .scopes
                .iter()
                .map(|s| s.parse::<Scope>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ConfigError::invalid(format!("{key}.scopes"), e))?;
            if entry.name.trim().is_empty() {
                return Err(ConfigError::invalid(
                    format!("{key}.name"),
                    "must not be empty",
                ));
            }
            let caller = Arc::new(Caller {
                name: entry.name.clone(),
                scopes,
                apps: entry.apps.clone(),
            });
            if by_hash.insert(hash, caller).is_some() {
                return Err(ConfigError::invalid(
                    key,
                    "the same key hash is configured twice",
                ));
            }
        }
        Ok(Self { by_hash })
    }

    fn contains_hash(&self, hex_hash: &str) -> bool {
        parse_sha256_hex(hex_hash).is_some_and(|h| self.by_hash.contains_key(&h))
    }

    /// The caller whose key has this hex SHA-256 (a console session keeps only that).
    pub fn by_hash_hex(&self, hash: &str) -> Option<Arc<Caller>> {
        self.by_hash.get(&parse_sha256_hex(hash)?).cloned()
    }

    /// The keys configured under `name` (a key being rotated has two).
    pub fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Caller> + 'a {
        self.by_hash
            .values()
            .map(|caller| caller.as_ref())
            .filter(move |caller| caller.name == name)
    }

    pub fn authenticate(&self, presented: &str) -> Option<Arc<Caller>> {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        self.by_hash.get(&digest).cloned()
    }
}

/// The hex SHA-256 of a key, as it goes into the configuration.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

fn parse_sha256_hex(text: &str) -> Option<[u8; 32]> {
    let bytes = hex::decode(text.trim()).ok()?;
    bytes.try_into().ok()
}

/// The api-keys file is small TOML; reuse `config`'s parser rather than adding a dependency.
fn toml_from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, config::ConfigError> {
    config::Config::builder()
        .add_source(config::File::from_str(text, config::FileFormat::Toml))
        .build()?
        .try_deserialize()
}

/// A scope an endpoint requires, as a type: `Authorized<PassesWrite>` in a handler's
/// arguments authenticates (401) and checks the scope (403) before the body is read.
pub trait RequiredScope {
    const SCOPE: Scope;
}

macro_rules! scope_marker {
    ($($name:ident => $scope:expr),* $(,)?) => {$(
        #[derive(Debug)]
        pub struct $name;
        impl RequiredScope for $name {
            const SCOPE: Scope = $scope;
        }
    )*};
}

scope_marker! {
    TemplatesWrite => Scope::TemplatesWrite,
    PassesWrite => Scope::PassesWrite,
    VouchersWrite => Scope::VouchersWrite,
    Read => Scope::Read,
    Operator => Scope::Operator,
    WebhooksWrite => Scope::WebhooksWrite,
}

/// A caller holding scope `S`, and the Alipay app the request acts for: the one named by
/// the `Alipay-App` header, else the default app.
pub struct Authorized<S: RequiredScope> {
    pub caller: Caller,
    pub app: ActingFor,
    scope: std::marker::PhantomData<S>,
}

/// The header that chooses the Alipay app.
pub const APP_HEADER: &str = "Alipay-App";

impl<S: RequiredScope> FromRequest for Authorized<S> {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate_request(req).and_then(|caller| {
            caller.require(S::SCOPE)?;
            let app = ActingFor {
                app: chosen_app(req, &caller)?,
                merchant: merchant(req)?,
            };
            Ok(Self {
                caller,
                app,
                scope: std::marker::PhantomData,
            })
        }))
    }
}

/// The merchant an ISV call acts for: its token and its id, given together or not at all.
fn merchant(req: &HttpRequest) -> Result<Option<Merchant>, ApiError> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|t| !t.is_empty())
    };
    match (header(APP_AUTH_TOKEN_HEADER), header(MERCHANT_ID_HEADER)) {
        (None, None) => Ok(None),
        (Some(token), Some(id)) => {
            let id = MerchantId::parse(id).map_err(|why| ApiError::bad_request("invalid_merchant_id", why))?;
            Ok(Some(Merchant {
                id,
                token: Secret::from(token),
            }))
        }
        (Some(_), None) => Err(ApiError::bad_request(
            "merchant_id_required",
            format!("{APP_AUTH_TOKEN_HEADER} needs {MERCHANT_ID_HEADER}: the merchant (pid or appid) the token is for"),
        )),
        (None, Some(_)) => Err(ApiError::bad_request(
            "app_auth_token_required",
            format!("{MERCHANT_ID_HEADER} is given with the merchant's {APP_AUTH_TOKEN_HEADER}"),
        )),
    }
}

fn chosen_app(req: &HttpRequest, caller: &Caller) -> Result<Arc<App>, ApiError> {
    let apps = req
        .app_data::<web::Data<Apps>>()
        .ok_or_else(|| ApiError::internal("the apps are not configured"))?;
    let app = match req.headers().get(APP_HEADER) {
        None => apps.default_app().clone(),
        Some(value) => {
            let name = value.to_str().unwrap_or_default().trim();
            apps.by_name(name).cloned().ok_or_else(|| {
                ApiError::bad_request(
                    "unknown_app",
                    format!(
                        "{APP_HEADER} names no configured app (configured: {})",
                        apps.names()
                    ),
                )
            })?
        }
    };
    if !caller.may_act_for(&app.name) {
        return Err(ApiError::forbidden(format!(
            "API key `{}` may not act for app `{}`",
            caller.name, app.name
        )));
    }
    Ok(app)
}

fn authenticate_request(req: &HttpRequest) -> Result<Caller, ApiError> {
    let keys = req
        .app_data::<web::Data<ApiKeys>>()
        .ok_or_else(|| ApiError::internal("API keys are not configured"))?;
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("missing Authorization: Bearer <API key>"))?;
    let presented = header
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized("the Authorization header must be `Bearer <API key>`")
        })?;
    keys.authenticate(presented)
        .map(|c| (*c).clone())
        .ok_or_else(|| ApiError::unauthorized("unknown API key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, key: &str, scopes: &[&str]) -> ApiKeySetting {
        ApiKeySetting {
            name: name.into(),
            sha256: hash_key(key),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            apps: Vec::new(),
        }
    }

    #[test]
    fn development_key_hash_matches_the_documented_key() {
        assert_eq!(
            hash_key("alipass-dev-key-not-for-production"),
            DEVELOPMENT_KEY_SHA256
        );
    }

    #[test]
    fn keys_authenticate_by_hash_and_scopes_are_enforced() {
        let keys =
            ApiKeys::from_entries(&[entry("orders", "k1", &["passes:write", "read"])]).unwrap();
        let caller = keys.authenticate("k1").unwrap();
        assert!(caller.require(Scope::PassesWrite).is_ok());
        let err = caller.require(Scope::VouchersWrite).unwrap_err();
        assert_eq!(err.status().as_u16(), 403);
        assert!(keys.authenticate("k2").is_none());
    }

    #[test]
    fn bad_entries_name_their_key() {
        let mut bad = entry("x", "k", &["read"]);
        bad.sha256 = "zz".into();
        let err = ApiKeys::from_entries(&[bad]).unwrap_err();
        assert_eq!(err.key, "auth.api_keys[0].sha256");
        let err = ApiKeys::from_entries(&[entry("x", "k", &["admin"])]).unwrap_err();
        assert_eq!(err.key, "auth.api_keys[0].scopes");
    }
}
