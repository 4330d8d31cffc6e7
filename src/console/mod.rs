//! The operator console at `/console`: server-rendered pages (maud), no script at all, so
//! it reads without JavaScript and its Content-Security-Policy can forbid scripts outright.
//!
//! Sign-in takes an API key once; the session cookie (HttpOnly, Secure, SameSite=Strict)
//! carries the key's hash sealed with `console.session_key`, never the key, and the page
//! never shows it. Every form carries a CSRF token derived from the session, and every
//! POST must come from our own origin. Actions go through the same service code (and so the
//! same idempotency and scopes) as the API. Every page needs `read`, and acts for an app the
//! key may use (`Caller::may_act_for`, as the API's `Authorized`); the session keeps the app
//! chosen with the switch (`POST /console/app`).

mod pages;
mod templates;

use std::sync::Arc;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::Markup;

use crate::auth::{ApiKeys, Caller};
use crate::config::{ConfigError, Settings};
use crate::sealing::Sealer;
use crate::service::preview::card::CARD_CSS;

const CONSOLE_CSS: &str = include_str!("console.css");
const COOKIE: &str = "alipass_console";
/// What a session's seal is bound to.
const SESSION_CONTEXT: &str = "console-session";
/// How long a sign-in lasts.
const SESSION_SECS: i64 = 8 * 3600;

/// The console's keys.
pub struct Console {
    sealer: Sealer,
}

impl Console {
    /// From `console.session_key`; without one, a key of this process (sessions then end
    /// at a restart and do not cross replicas).
    pub fn new(settings: &Settings) -> Result<Self, ConfigError> {
        let sealer = match Sealer::for_console(settings)? {
            Some(sealer) => sealer,
            None => Sealer::random(),
        };
        Ok(Self { sealer })
    }

    /// The session cookie: the key's hash, when the sign-in ends, and the app the
    /// session acts for (the operator's last choice; None: the key's first app).
    fn cookie_for(&self, key_hash: &str, expires: i64, app: Option<&str>) -> Cookie<'static> {
        let app = app.unwrap_or_default();
        let value = self
            .sealer
            .seal(SESSION_CONTEXT, &format!("{key_hash}|{expires}|{app}"));
        let left = (expires - chrono::Utc::now().timestamp()).max(0);
        Cookie::build(COOKIE, value)
            .path("/console")
            .http_only(true)
            .secure(true)
            .same_site(SameSite::Strict)
            .max_age(actix_web::cookie::time::Duration::seconds(left))
            .finish()
    }

    /// The sign-in a request's session cookie carries, if it is ours and not expired.
    fn session(&self, req: &HttpRequest, keys: &ApiKeys) -> Option<SignedIn> {
        let cookie = req.cookie(COOKIE)?;
        let opened = self.sealer.open(SESSION_CONTEXT, cookie.value()).ok()?;
        let mut parts = opened.splitn(3, '|');
        let key_hash = parts.next()?.to_owned();
        let expires = parts.next()?.parse::<i64>().ok()?;
        if expires < chrono::Utc::now().timestamp() {
            return None;
        }
        let app = parts.next().filter(|a| !a.is_empty()).map(str::to_owned);
        let caller = keys.by_hash_hex(&key_hash)?;
        let csrf = self.sealer.keyed_hash(&format!("csrf|{}", cookie.value()));
        Some(SignedIn {
            caller,
            csrf: csrf[..32].to_owned(),
            key_hash,
            expires,
            app,
        })
    }
}

/// What a session cookie says: whose key, until when, acting for which app.
struct SignedIn {
    caller: Arc<Caller>,
    csrf: String,
    key_hash: String,
    expires: i64,
    app: Option<String>,
}

/// A POST is ours: its CSRF token matches the session's, and a browser that names the
/// origin names ours.
fn same_origin(req: &HttpRequest) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
    else {
        return true;
    };
    let host = req.connection_info().host().to_owned();
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(&host))
}

/// A page with the console's security headers. `nonce` admits the page's one `<style>`
/// block (the cards' colours and images); nothing else inline, no script at all.
fn page(nonce: &str, markup: Markup) -> HttpResponse {
    let policy = format!(
        "default-src 'none'; style-src 'self' 'nonce-{nonce}'; img-src 'self' data: https:; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, policy))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        // Not no-referrer: under it browsers send `Origin: null` with our own forms.
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(markup.into_string())
}

fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "max-age=3600"))
        .body(format!("{CONSOLE_CSS}{CARD_CSS}"))
}

/// Registers the console under `/console`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/console")
            .route("", web::get().to(pages::overview))
            .route("/", web::get().to(pages::overview))
            .route("/console.css", web::get().to(stylesheet))
            .route("/login", web::get().to(pages::login_form))
            .route("/login", web::post().to(pages::login))
            .route("/logout", web::post().to(pages::logout))
            .route("/app", web::post().to(pages::switch_app))
            .route("/templates", web::get().to(pages::templates))
            .route("/templates/{id}", web::get().to(templates::template))
            .route(
                "/templates/{id}/edit",
                web::post().to(templates::edit_template),
            )
            .route("/passes", web::get().to(pages::passes))
            .route("/passes/{serial}", web::get().to(pages::pass))
            .route(
                "/passes/{serial}/resolution",
                web::post().to(pages::resolve),
            )
            .route("/passes/{serial}/{action}", web::get().to(pages::confirm))
            .route("/passes/{serial}/{action}", web::post().to(pages::act))
            .route("/vouchers", web::get().to(pages::vouchers))
            .route("/campaigns", web::get().to(pages::campaigns)),
    );
}
