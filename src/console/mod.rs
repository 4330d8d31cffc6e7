//! The operator console at `/console`: server-rendered pages (maud), no script at all, so
//! it reads without JavaScript and its Content-Security-Policy can forbid scripts outright.
//!
//! Sign-in takes an API key once; the session cookie (HttpOnly, Secure, SameSite=Strict)
//! carries a session id and the key's hash sealed with `console.session_key`, never the
//! key, and the page never shows it. Failed sign-ins are throttled per client address and
//! per key tried; signing out lists the session id as revoked in Postgres, so a copy of
//! the cookie no longer opens on any replica. Every form carries a CSRF token derived from
//! the session id (compared in constant time), and every POST must come from our own
//! origin. Actions go through the same service code (and so the
//! same idempotency and scopes) as the API. Every page needs `read`, and acts for an app the
//! key may use (`Caller::may_act_for`, as the API's `Authorized`); the session keeps the app
//! chosen with the switch (`POST /console/app`).

mod pages;
mod session;
mod templates;
mod throttle;

use std::sync::Arc;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::Markup;
use uuid::Uuid;

use crate::auth::{ApiKeys, Caller};
use crate::config::{ConfigError, Settings};
use crate::error::ApiError;
use crate::sealing::{Binding, Sealer};
use crate::service::preview::card::CARD_CSS;
use throttle::SignInThrottle;

const CONSOLE_CSS: &str = include_str!("console.css");
const COOKIE: &str = "alipass_console";
/// What a session's seal is bound to.
const SESSION_CONTEXT: &str = "console-session";
/// How long a sign-in lasts.
const SESSION_SECS: i64 = 8 * 3600;

/// The console's keys and its sign-in throttle.
pub struct Console {
    sealer: Sealer,
    throttle: SignInThrottle,
}

impl Console {
    /// From `console.session_key`; without one, a key of this process (sessions then end
    /// at a restart and do not cross replicas).
    pub fn new(settings: &Settings) -> Result<Self, ConfigError> {
        let sealer = match Sealer::for_console(settings)? {
            Some(sealer) => sealer,
            None => Sealer::random(),
        };
        let throttle = SignInThrottle::new(settings.console.sign_in_failures_per_minute);
        Ok(Self { sealer, throttle })
    }

    /// The session cookie: the session's id, the key's hash, when the sign-in ends, and the
    /// app the session acts for (the operator's last choice; None: the key's first app).
    fn cookie_for(
        &self,
        signed: &SignedIn,
        app: Option<&str>,
    ) -> Result<Cookie<'static>, ApiError> {
        let app = app.unwrap_or_default();
        let SignedIn {
            session_id,
            key_hash,
            expires,
            ..
        } = signed;
        let value = self
            .sealer
            .seal(
                &Binding::to(SESSION_CONTEXT),
                &format!("{session_id}|{key_hash}|{expires}|{app}"),
            )
            .map_err(|error| ApiError::internal(error.to_string()))?;
        let left = (expires - chrono::Utc::now().timestamp()).max(0);
        Ok(Cookie::build(COOKIE, value)
            .path("/console")
            .http_only(true)
            .secure(true)
            .same_site(SameSite::Strict)
            .max_age(actix_web::cookie::time::Duration::seconds(left))
            .finish())
    }

    /// A new sign-in of the key with this hash, for `SESSION_SECS`.
    fn new_session(&self, caller: Arc<Caller>, key_hash: String) -> SignedIn {
        let session_id = Uuid::new_v4();
        SignedIn {
            csrf: self.csrf_of(session_id),
            session_id,
            caller,
            key_hash,
            expires: chrono::Utc::now().timestamp() + SESSION_SECS,
            app: None,
        }
    }

    /// The CSRF token of a session: keyed by the session id, so it stays the same when the
    /// cookie is re-issued (an app switch) and dies with the session.
    fn csrf_of(&self, session_id: Uuid) -> String {
        let hash = self.sealer.keyed_hash(&format!("csrf|{session_id}"));
        hash[..32].to_owned()
    }

    /// The sign-in a request's session cookie carries, if it is ours and not expired
    /// (whether it was signed out is Postgres's to say: `session::signed_in`).
    fn session(&self, req: &HttpRequest, keys: &ApiKeys) -> Option<SignedIn> {
        let cookie = req.cookie(COOKIE)?;
        let opened = self
            .sealer
            .open(&Binding::to(SESSION_CONTEXT), cookie.value())
            .ok()?;
        let mut parts = opened.splitn(4, '|');
        let session_id = parts.next()?.parse::<Uuid>().ok()?;
        let key_hash = parts.next()?.to_owned();
        let expires = parts.next()?.parse::<i64>().ok()?;
        if expires < chrono::Utc::now().timestamp() {
            return None;
        }
        let app = parts.next().filter(|a| !a.is_empty()).map(str::to_owned);
        let caller = keys.by_hash_hex(&key_hash)?;
        Some(SignedIn {
            csrf: self.csrf_of(session_id),
            session_id,
            caller,
            key_hash,
            expires,
            app,
        })
    }
}

/// What a session cookie says: which sign-in, whose key, until when, acting for which app.
struct SignedIn {
    session_id: Uuid,
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

/// A form past `console.form_limit_bytes`: 413 naming the limit; any other unreadable
/// form: 400.
fn form_error(error: actix_web::error::UrlencodedError, _: &HttpRequest) -> actix_web::Error {
    use actix_web::error::UrlencodedError;
    let problem = match &error {
        UrlencodedError::Overflow { size, limit } => ApiError::new(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            "form_too_large",
            format!("the form is {size} bytes; the limit is {limit} (console.form_limit_bytes)"),
        ),
        other => ApiError::bad_request("malformed_form", other.to_string()),
    };
    crate::routes::problem(problem)
}

/// Registers the console under `/console`; its forms may take `form_limit` bytes (the
/// template editor posts a whole template).
pub fn configure(cfg: &mut web::ServiceConfig, form_limit: usize) {
    cfg.service(
        web::scope("/console")
            .app_data(
                web::FormConfig::default()
                    .limit(form_limit)
                    .error_handler(form_error),
            )
            .route("", web::get().to(pages::overview))
            .route("/", web::get().to(pages::overview))
            .route("/console.css", web::get().to(stylesheet))
            .route("/login", web::get().to(session::login_form))
            .route("/login", web::post().to(session::login))
            .route("/logout", web::post().to(session::logout))
            .route("/app", web::post().to(session::switch_app))
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
