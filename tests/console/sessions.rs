//! Console sessions over plain HTTP: signing out revokes the session on the server (its
//! cookie, replayed, is refused), failed sign-ins are throttled (429 with Retry-After, the
//! right key included), and the form limit fits the largest template the API accepts.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::scopes::Session;

#[tokio::test]
async fn a_signed_out_session_is_refused_even_when_its_cookie_is_replayed() {
    let app = spawn_app().await;
    let session = Session::sign_in(&app, DEV_KEY).await;
    let other = Session::sign_in(&app, DEV_KEY).await;
    let csrf = session.csrf(&app).await;
    let out = session
        .post(&app, "/console/logout", &[("csrf", &csrf)])
        .await;
    assert_eq!(out.status().as_u16(), 303);
    // The same cookie, sent again as a copy of it would be.
    let (status, page) = session.get(&app, "/console/templates").await;
    assert_eq!(status, 303, "sent to sign in: {page}");
    let replayed = session
        .post(&app, "/console/app", &[("csrf", &csrf), ("app", "default")])
        .await;
    assert_eq!(replayed.status().as_u16(), 303);
    assert_eq!(
        replayed.headers()["location"],
        "/console/login",
        "a post with the revoked session is sent to sign in"
    );
    // Only that sign-in ended.
    assert_eq!(other.get(&app, "/console/templates").await.0, 200);
    app.shutdown().await;
}

#[tokio::test]
async fn a_sign_out_with_a_forged_token_revokes_nothing() {
    let app = spawn_app().await;
    let session = Session::sign_in(&app, DEV_KEY).await;
    let csrf = session.csrf(&app).await;
    // Another last character (a token that already ends in 0 stays a different one).
    let last = if csrf.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &csrf[..csrf.len() - 1]);
    let refused = session
        .post(&app, "/console/logout", &[("csrf", &forged)])
        .await;
    assert_eq!(refused.status().as_u16(), 403);
    assert_eq!(session.get(&app, "/console/templates").await.0, 200);
    app.shutdown().await;
}

async fn sign_in_attempt(app: &TestApp, key: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/console/login"))
        .form(&[("api_key", key)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn five_failed_sign_ins_a_minute_then_429_with_retry_after_even_for_the_right_key() {
    let app = spawn_app().await;
    for n in 0..5 {
        let failed = sign_in_attempt(&app, &format!("wrong-key-{n}")).await;
        assert_eq!(failed.status().as_u16(), 200, "try {n}");
        assert!(failed.text().await.unwrap().contains("Unknown API key"));
    }
    let throttled = sign_in_attempt(&app, DEV_KEY).await;
    assert_eq!(throttled.status().as_u16(), 429);
    let retry_after: u64 = throttled.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert!(throttled.headers().get("set-cookie").is_none());
    app.shutdown().await;
}

/// The fixture template with a back field of Chinese text, grown until its compact JSON
/// is `chars` characters: the size the API's limit (`limits.tpl_content_max_chars`) counts.
fn template_of(chars: usize) -> Value {
    let mut content = valid_template();
    let back = content["content"]["evoucherInfo"]["einfo"]["backFields"]
        .as_array_mut()
        .unwrap();
    back.push(json!({"key": "terms", "label": "条款", "value": "", "type": "text"}));
    let size = serde_json::to_string(&content).unwrap().chars().count();
    let padding = "券".repeat(chars - size);
    let back = content["content"]["evoucherInfo"]["einfo"]["backFields"]
        .as_array_mut()
        .unwrap();
    back.last_mut().unwrap()["value"] = Value::String(padding);
    content
}

#[tokio::test]
async fn the_template_editor_takes_the_largest_template_the_api_accepts() {
    let app = spawn_app().await;
    let (template_id, _) = app.create_template().await;
    let largest = app.settings.limits.tpl_content_max_chars;
    let content = template_of(largest);
    assert_eq!(
        serde_json::to_string(&content).unwrap().chars().count(),
        largest
    );
    let session = Session::sign_in(&app, DEV_KEY).await;
    let csrf = session.csrf(&app).await;
    let edited = serde_json::to_string_pretty(&content).unwrap();
    let path = format!("/console/templates/{template_id}/edit");
    let form = [
        ("csrf", csrf.as_str()),
        ("content", &edited),
        ("intent", "preview"),
    ];
    let encoded = serde_urlencoded_len(&form);
    assert!(
        encoded > 500_000,
        "Chinese text takes 9 bytes a character: {encoded}"
    );
    let previewed = session.post(&app, &path, &form).await;
    assert_eq!(previewed.status().as_u16(), 200);
    let page = previewed.text().await.unwrap();
    assert!(
        page.contains("Edited content, not saved."),
        "the edit was read"
    );
    assert!(
        !page.contains("characters as compact JSON"),
        "within the API's limit"
    );

    // Past the limit: a problem naming it.
    let limit = app.settings.console.form_limit(largest);
    let huge = "x".repeat(limit);
    let form = [
        ("csrf", csrf.as_str()),
        ("content", &huge),
        ("intent", "preview"),
    ];
    let refused = session.post(&app, &path, &form).await;
    assert_eq!(refused.status().as_u16(), 413);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["code"], "form_too_large", "{problem}");
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("console.form_limit_bytes"));
    app.shutdown().await;
}

/// The bytes a form takes once URL-encoded, as the browser (and reqwest) sends it.
fn serde_urlencoded_len(form: &[(&str, &str)]) -> usize {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish()
        .len()
}
