//! The console enforces a key's scopes and apps as the API does, checked over plain HTTP
//! with the session cookie (no browser needed): `read` to see anything, the key's apps
//! only, and a switch between the apps a key may use.

use serde_json::json;

use crate::helpers::*;

/// A console session over plain HTTP: its cookie, redirects not followed.
pub(crate) struct Session {
    http: reqwest::Client,
    pub(crate) cookie: String,
}

/// The `alipass_console=…` pair a response sets.
pub(crate) fn session_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("alipass_console="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

impl Session {
    pub(crate) async fn sign_in(app: &TestApp, key: &str) -> Session {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = http
            .post(app.url("/console/login"))
            .form(&[("api_key", key)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 303, "signed in");
        let cookie = session_cookie(&response);
        Session { http, cookie }
    }

    pub(crate) async fn get(&self, app: &TestApp, path: &str) -> (u16, String) {
        let response = self
            .http
            .get(app.url(path))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    pub(crate) async fn post(
        &self,
        app: &TestApp,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.http
            .post(app.url(path))
            .header("cookie", &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// The CSRF token of the session's forms (the sign-out form on every page).
    pub(crate) async fn csrf(&self, app: &TestApp) -> String {
        let (status, page) = self.get(app, "/console").await;
        assert_eq!(status, 200, "{page}");
        let marker = r#"name="csrf" value=""#;
        let start = page.find(marker).expect("a csrf field") + marker.len();
        page[start..].split('"').next().unwrap().to_owned()
    }
}

const LIMITED_KEY: &str = "console-brand-b-key-0123456789";

#[tokio::test]
async fn a_key_limited_to_another_app_does_not_see_the_default_apps_pass() {
    let app = spawn_app_with(|s| {
        with_brand_b(s);
        app_key(s, ("b-reader", LIMITED_KEY), &["read"], &[BRAND_B]);
    })
    .await;
    let (template_id, params) = app.create_template().await;
    let issued = app.issue_pass(&template_id, "DEFAULT-1", &params).await;
    assert_eq!(issued.status().as_u16(), 201);
    let session = Session::sign_in(&app, LIMITED_KEY).await;
    let (status, page) = session.get(&app, "/console/passes/DEFAULT-1").await;
    assert_eq!(status, 200);
    assert!(page.contains("app brand-b"), "acts for its own app: {page}");
    assert!(!page.contains(r#"id="status""#), "{page}");
    app.shutdown().await;
}

#[tokio::test]
async fn a_key_limited_to_another_app_cannot_close_the_default_apps_pass() {
    let app = spawn_app_with(|s| {
        with_brand_b(s);
        app_key(
            s,
            ("b-writer", LIMITED_KEY),
            &["read", "passes:write"],
            &[BRAND_B],
        );
    })
    .await;
    let (template_id, params) = app.create_template().await;
    let issued = app.issue_pass(&template_id, "DEFAULT-2", &params).await;
    assert_eq!(issued.status().as_u16(), 201);
    let session = Session::sign_in(&app, LIMITED_KEY).await;
    let csrf = session.csrf(&app).await;
    let _ = session
        .post(&app, "/console/passes/DEFAULT-2/close", &[("csrf", &csrf)])
        .await;
    assert_eq!(app.sim_pass_status("DEFAULT-2").as_deref(), Some("ACTIVE"));
    app.shutdown().await;
}

#[tokio::test]
async fn a_key_without_read_gets_403_on_every_page() {
    const WRITER_KEY: &str = "console-writer-key-0123456789";
    let app = spawn_app_with(|s| {
        let scopes = ["passes:write", "templates:write", "webhooks:write"];
        extra_key(s, "writer", WRITER_KEY, &scopes);
    })
    .await;
    let (template_id, params) = app.create_template().await;
    let issued = app.issue_pass(&template_id, "HIDDEN-1", &params).await;
    assert_eq!(issued.status().as_u16(), 201);
    let session = Session::sign_in(&app, WRITER_KEY).await;
    let template_page = format!("/console/templates/{template_id}");
    for path in [
        "/console",
        "/console/templates",
        &template_page,
        "/console/passes",
        "/console/passes/HIDDEN-1",
        "/console/passes/HIDDEN-1/close",
        "/console/vouchers",
        "/console/campaigns",
    ] {
        let (status, page) = session.get(&app, path).await;
        assert_eq!(status, 403, "{path}: {page}");
    }
    app.shutdown().await;
}

#[tokio::test]
async fn a_key_for_no_configured_app_gets_403() {
    let app = spawn_app_with(|s| {
        app_key(
            s,
            ("elsewhere", LIMITED_KEY),
            &["read"],
            &["not-configured"],
        );
    })
    .await;
    let session = Session::sign_in(&app, LIMITED_KEY).await;
    let (status, page) = session.get(&app, "/console/templates").await;
    assert_eq!(status, 403, "{page}");
    app.shutdown().await;
}

#[tokio::test]
async fn the_console_switches_to_another_app_the_key_may_use() {
    let app = spawn_app_with(with_brand_b).await;
    let body = json!({"unique_id": "brand-b-only", "content": valid_template()});
    let created = app.post_template(&body).header("Alipay-App", BRAND_B);
    assert_eq!(created.send().await.unwrap().status().as_u16(), 201);
    let mut session = Session::sign_in(&app, DEV_KEY).await;
    let (_, default_list) = session.get(&app, "/console/templates").await;
    assert!(
        !default_list.contains("brand-b-only"),
        "the default app's list"
    );
    let csrf = session.csrf(&app).await;
    let switched = session
        .post(&app, "/console/app", &[("csrf", &csrf), ("app", BRAND_B)])
        .await;
    assert_eq!(switched.status().as_u16(), 303);
    session.cookie = session_cookie(&switched);
    let (_, b_list) = session.get(&app, "/console/templates").await;
    assert!(b_list.contains("brand-b-only"), "{b_list}");
    app.shutdown().await;
}

#[tokio::test]
async fn switching_to_an_app_the_key_may_not_use_is_refused() {
    let app = spawn_app_with(|s| {
        with_brand_b(s);
        app_key(s, ("default-only", LIMITED_KEY), &["read"], &["default"]);
    })
    .await;
    let session = Session::sign_in(&app, LIMITED_KEY).await;
    let csrf = session.csrf(&app).await;
    let switched = session
        .post(&app, "/console/app", &[("csrf", &csrf), ("app", BRAND_B)])
        .await;
    assert_eq!(switched.status().as_u16(), 403);
    app.shutdown().await;
}
