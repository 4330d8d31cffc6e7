//! Signing in and out, the session every page needs, and the checks every form post
//! passes (CSRF token in constant time, same origin, the key's scope).

use std::sync::Arc;
use std::time::Instant;

use actix_web::cookie::Cookie;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use maud::{html, DOCTYPE};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::throttle::Subject;
use super::{page, redirect, same_origin, Console, SignedIn, COOKIE};
use crate::apps::{App, Apps};
use crate::auth::{ApiKeys, Caller, Scope};
use crate::service::console::ConsoleService;

/// Whether a form's CSRF token is the session's, compared in constant time so the answer's
/// timing says nothing about how much of a guess was right.
fn csrf_matches(sent: &str, expected: &str) -> bool {
    sent.as_bytes().ct_eq(expected.as_bytes()).into()
}

/// The 403 for a form post the session may not make: not its own (CSRF token, origin), or
/// beyond its key's `scope` (`what` says what the key may not do); None when it may.
pub(super) fn refused_post(
    req: &HttpRequest,
    session: &Session,
    csrf: &str,
    (scope, what): (Scope, &str),
) -> Option<HttpResponse> {
    if !csrf_matches(csrf, &session.csrf) || !same_origin(req) {
        return Some(HttpResponse::Forbidden().body("forged form refused"));
    }
    if !session.caller.has(scope) {
        return Some(HttpResponse::Forbidden().body(format!("this key may not {what}")));
    }
    None
}

/// A signed-in operator holding `read`, acting for an app its key may use: the one the
/// session chose, else the first it may use (the default first). The same rules as the
/// API's `Authorized` extractor; the write scopes are checked by each post.
pub struct Session {
    pub(super) caller: Arc<Caller>,
    pub(super) csrf: String,
    pub(super) app: Arc<App>,
    /// The names of every app the key may use, for the switcher.
    pub(super) apps: Vec<String>,
    pub(super) nonce: String,
    signed: SignedIn,
}

/// A request's session: the browser is sent to sign in without one (or with one signed
/// out), and a key that may not read, or may use no configured app, gets 403.
impl actix_web::FromRequest for Session {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { session_of(&req).await })
    }
}

/// The response a request without a usable session gets, as an error.
fn answered(response: HttpResponse) -> actix_web::Error {
    actix_web::error::InternalError::from_response("console session", response).into()
}

async fn session_of(req: &HttpRequest) -> Result<Session, actix_web::Error> {
    let signed = signed_in(req).await.map_err(answered)?;
    let apps = req
        .app_data::<web::Data<Apps>>()
        .ok_or_else(|| answered(HttpResponse::InternalServerError().finish()))?;
    let caller = signed.caller.clone();
    if let Err(refused) = caller.require(Scope::Read) {
        return Err(answered(
            HttpResponse::Forbidden().body(refused.to_string()),
        ));
    }
    let usable: Vec<&Arc<App>> = caller.usable_apps(apps).collect();
    let chosen = signed
        .app
        .as_deref()
        .and_then(|name| usable.iter().find(|app| app.name == name))
        .or(usable.first());
    let Some(app) = chosen.map(|app| Arc::clone(app)) else {
        return Err(answered(HttpResponse::Forbidden().body(format!(
            "API key `{}` may act for no configured app",
            caller.name
        ))));
    };
    Ok(Session {
        csrf: signed.csrf.clone(),
        apps: usable.iter().map(|app| app.name.clone()).collect(),
        app,
        caller,
        nonce: hex::encode(rand::random::<[u8; 16]>()),
        signed,
    })
}

/// The request's sign-in, unless it has none, it expired or it was signed out (then the
/// answer is the sign-in page); 503 when Postgres cannot say whether it was signed out.
async fn signed_in(req: &HttpRequest) -> Result<SignedIn, HttpResponse> {
    let to_sign_in = || redirect("/console/login");
    let (Some(console), Some(keys), Some(sessions)) = (
        req.app_data::<web::Data<Console>>(),
        req.app_data::<web::Data<ApiKeys>>(),
        req.app_data::<web::Data<ConsoleService>>(),
    ) else {
        return Err(HttpResponse::InternalServerError().finish());
    };
    let signed = console.session(req, keys).ok_or_else(to_sign_in)?;
    match sessions.console_session_revoked(signed.session_id).await {
        Ok(false) => Ok(signed),
        Ok(true) => Err(to_sign_in()),
        Err(error) => {
            tracing::warn!(%error, "console: cannot check the session");
            Err(unavailable("the console cannot check its sessions now"))
        }
    }
}

/// 503 while Postgres cannot answer for the sessions: the operator tries again shortly.
fn unavailable(what: &str) -> HttpResponse {
    HttpResponse::ServiceUnavailable()
        .insert_header((header::RETRY_AFTER, "2"))
        .body(format!("{what}: try again shortly"))
}

pub async fn login_form() -> HttpResponse {
    login_page(None)
}

fn login_page(problem: Option<&str>) -> HttpResponse {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; title { "Sign in · alipass console" }
                   link rel="stylesheet" href="/console/console.css"; }
            body {
                form.login method="post" action="/console/login" {
                    h1 { "alipass console" }
                    @if let Some(problem) = problem { p.error { (problem) } }
                    label for="api_key" { "API key" }
                    input id="api_key" type="password" name="api_key" autocomplete="off" required;
                    button.primary type="submit" { "Sign in" }
                    p.muted { "The key stays in a secure session cookie; it is never shown." }
                }
            }
        }
    };
    page("none", markup)
}

#[derive(Deserialize)]
pub struct LoginForm {
    api_key: String,
}

pub async fn login(
    req: HttpRequest,
    console: web::Data<Console>,
    keys: web::Data<ApiKeys>,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    if !same_origin(&req) {
        return HttpResponse::Forbidden().body("cross-origin sign-in refused");
    }
    let presented = form.api_key.trim();
    let mut subjects = vec![Subject::key(presented)];
    subjects.extend(req.peer_addr().map(|peer| Subject::Address(peer.ip())));
    let now = Instant::now();
    if let Some(wait) = console.throttle.wait(&subjects, now) {
        let secs = wait.as_secs().max(1);
        let mut refused = login_page(Some(&format!(
            "Too many failed sign-ins: try again in {secs} s."
        )));
        *refused.status_mut() = actix_web::http::StatusCode::TOO_MANY_REQUESTS;
        refused
            .headers_mut()
            .insert(header::RETRY_AFTER, secs.into());
        return refused;
    }
    let Some(caller) = keys.authenticate(presented) else {
        console.throttle.failed(&subjects, now);
        return login_page(Some("Unknown API key."));
    };
    let signed = console.new_session(caller, crate::auth::hash_key(presented));
    with_cookie(redirect("/console"), console.cookie_for(&signed, None))
}

/// `response` setting the session cookie, or 500 when it could not be sealed.
fn with_cookie(
    mut response: HttpResponse,
    cookie: Result<Cookie<'static>, crate::error::ApiError>,
) -> HttpResponse {
    match cookie.map(|cookie| response.add_cookie(&cookie)) {
        Ok(Ok(())) => response,
        Ok(Err(error)) => HttpResponse::InternalServerError().body(error.to_string()),
        Err(error) => error.to_response(crate::telemetry::current_request_id()),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// Signing out needs only the sign-in (a key that may not read may still leave). The
/// session is revoked in Postgres, so its cookie, replayed, no longer opens anywhere.
pub async fn logout(
    req: HttpRequest,
    sessions: web::Data<ConsoleService>,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let signed = match signed_in(&req).await {
        Ok(signed) => signed,
        Err(response) => return response,
    };
    if !csrf_matches(&form.csrf, &signed.csrf) || !same_origin(&req) {
        return HttpResponse::Forbidden().body("forged form refused");
    }
    // A verified session always carries a representable expiry; a far-future one is kept
    // until the retention of revoked sessions would forget it, never read as 1970.
    let expires = chrono::DateTime::from_timestamp(signed.expires, 0)
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC);
    if let Err(error) = sessions
        .revoke_console_session(signed.session_id, expires)
        .await
    {
        tracing::warn!(%error, "console: cannot revoke a session");
        return unavailable("the sign-out could not be recorded");
    }
    let mut response = redirect("/console/login");
    let mut gone = Cookie::build(COOKIE, "").path("/console").finish();
    gone.make_removal();
    let _ = response.add_cookie(&gone);
    response
}

#[derive(Deserialize)]
pub struct SwitchForm {
    csrf: String,
    app: String,
}

/// The session acts for another app the key may use from now on (kept in its cookie).
pub async fn switch_app(
    req: HttpRequest,
    session: Session,
    console: web::Data<Console>,
    form: web::Form<SwitchForm>,
) -> HttpResponse {
    if let Some(refused) = refused_post(&req, &session, &form.csrf, (Scope::Read, "read")) {
        return refused;
    }
    if !session.apps.contains(&form.app) {
        return HttpResponse::Forbidden().body(format!(
            "API key `{}` may not act for app `{}`",
            session.caller.name, form.app
        ));
    }
    let cookie = console.cookie_for(&session.signed, Some(&form.app));
    with_cookie(redirect("/console"), cookie)
}

#[cfg(test)]
mod tests {
    use super::csrf_matches;

    #[test]
    fn a_csrf_token_matches_only_itself() {
        let token = "0123456789abcdef0123456789abcdef";
        assert!(csrf_matches(token, token));
        assert!(!csrf_matches("0123456789abcdef0123456789abcdee", token));
        assert!(!csrf_matches("", token));
        assert!(!csrf_matches(&format!("{token}0"), token));
    }
}
