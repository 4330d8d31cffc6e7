//! The operator console in a real headless browser (Debian's chromium and chromedriver):
//! sign in, preview a template with parameters, issue a pass through the API, find it by
//! serial, redeem it from its page and see the new state and the timeline; a `read` key
//! gets no redeem button, a forged form post is refused, and the navigation bar switches
//! to another app of the key (`scopes.rs`: the same rules over plain HTTP). Screenshots go to
//! `target/console/`. Without chromedriver the tests say so and skip (`.ci/run` installs
//! it).

#[path = "../common/fetch.rs"]
mod fetch;
#[path = "../common/helpers.rs"]
mod helpers;
mod scopes;
mod sessions;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use helpers::*;

const READER_KEY: &str = "console-reader-key-0123456789";

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts chromedriver. A missing browser fails the test: it never passes unseen.
fn start_driver() -> Driver {
    let binary = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect(
            "the console browser tests need chromedriver: apt-get install chromium chromium-driver",
        );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut child = Command::new(binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Driver { child, port };
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("chromedriver did not listen on port {port}");
}

async fn browser(driver: &Driver) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({"binary": "/usr/bin/chromium",
               "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--window-size=1280,1600"]}),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a chromium session")
}

/// The console at `localhost` (where browsers keep Secure cookies over plain http).
fn console_url(app: &TestApp, path: &str) -> String {
    app.url(path).replace("127.0.0.1", "localhost")
}

async fn sign_in(client: &Client, app: &TestApp, key: &str) {
    client.goto(&console_url(app, "/console")).await.unwrap();
    assert!(client
        .current_url()
        .await
        .unwrap()
        .path()
        .ends_with("/console/login"));
    let form = client.form(Locator::Css("form.login")).await.unwrap();
    form.set_by_name("api_key", key).await.unwrap();
    form.submit().await.unwrap();
    // Signed-in pages have the navigation bar.
    if client
        .wait()
        .for_element(Locator::Css("nav"))
        .await
        .is_err()
    {
        panic!("after sign-in: {}", client.source().await.unwrap());
    }
    let heading = client.find(Locator::Css("h1")).await.unwrap();
    assert_eq!(heading.text().await.unwrap(), "Overview");
}

/// Waits for the element (the page may still be loading) and clicks it.
async fn click(client: &Client, locator: Locator<'_>) {
    client
        .wait()
        .for_element(locator)
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn screenshot(client: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/console");
    std::fs::create_dir_all(&dir).unwrap();
    let png = client.screenshot().await.unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}

/// On a template's page: edit the content, preview it unsaved, save it (template.update),
/// and find both versions listed.
async fn edit_the_template(client: &Client, app: &TestApp) {
    // Edit the content: previewed unsaved first, then saved through template.update.
    let editor = client
        .find(Locator::Css("form.editor textarea"))
        .await
        .unwrap();
    let text = editor.prop("value").await.unwrap().unwrap();
    let edited = text.replace("风情优惠券", "CONSOLE EDIT");
    assert_ne!(text, edited);
    client
        .execute(
            "document.querySelector('form.editor textarea').value = arguments[0];",
            vec![json!(edited)],
        )
        .await
        .unwrap();
    click(client, Locator::Css("button[value=preview]")).await;
    let unsaved = Locator::XPath("//p[contains(., 'Edited content, not saved.')]");
    assert!(client.wait().for_element(unsaved).await.is_ok());
    let card = client.find(Locator::Css("article.card")).await.unwrap();
    assert!(card.text().await.unwrap().contains("CONSOLE EDIT"));
    assert_eq!(app.sim.effects("alipay.pass.template.update"), 0);
    click(client, Locator::Css("button[value=save]")).await;
    let saved = Locator::XPath("//p[contains(., 'version 2')]");
    assert!(
        client.wait().for_element(saved).await.is_ok(),
        "saved as version 2"
    );
    assert_eq!(app.sim.effects("alipay.pass.template.update"), 1);
    // Both versions are listed; the first one still previews as it was.
    click(client, Locator::LinkText("version 1")).await;
    let first = Locator::XPath("//article[contains(., '风情优惠券')]");
    assert!(
        client.wait().for_element(first).await.is_ok(),
        "version 1's title"
    );
}

#[tokio::test]
async fn an_operator_previews_finds_and_redeems_a_pass() {
    let driver = start_driver();
    let app = spawn_app().await;
    let client = browser(&driver).await;
    sign_in(&client, &app, DEV_KEY).await;

    let (template_id, params) = app.create_template().await;
    let field = text_param(&params);
    let preview = console_url(
        &app,
        &format!("/console/templates/{template_id}?{field}=HALF+PRICE"),
    );
    client.goto(&preview).await.unwrap();
    let card = client.find(Locator::Css("article.card")).await.unwrap();
    let shown = card.text().await.unwrap();
    assert!(
        shown.contains("HALF PRICE"),
        "the value is substituted: {shown}"
    );
    assert!(client
        .find(Locator::Css("article.card figure.qrcode svg"))
        .await
        .is_ok());
    screenshot(&client, "preview.png").await;

    edit_the_template(&client, &app).await;

    assert_eq!(
        app.issue_pass(&template_id, "CONSOLE-1", &params)
            .await
            .status()
            .as_u16(),
        201
    );
    client
        .goto(&console_url(&app, "/console/passes"))
        .await
        .unwrap();
    let search = client.form(Locator::Css("form.search")).await.unwrap();
    search.set_by_name("serial", "CONSOLE-1").await.unwrap();
    search.submit().await.unwrap();
    let status = client
        .wait()
        .for_element(Locator::Id("status"))
        .await
        .unwrap();
    assert_eq!(status.text().await.unwrap(), "ISSUED");
    click(&client, Locator::LinkText("Redeem…")).await;
    click(&client, Locator::Id("confirm")).await;
    let status = client
        .wait()
        .for_element(Locator::Id("status"))
        .await
        .unwrap();
    assert_eq!(status.text().await.unwrap(), "USED");
    let timeline = client
        .find(Locator::Css("ol.timeline"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(timeline.contains("REDEEMED"), "{timeline}");
    assert!(
        timeline.contains("alipay.pass.instance.update"),
        "{timeline}"
    );
    assert_eq!(app.sim_pass_status("CONSOLE-1").as_deref(), Some("USED"));
    screenshot(&client, "pass.png").await;

    // The session cookie: HttpOnly, Secure, SameSite=Strict, and not the key.
    let cookie = client.get_named_cookie("alipass_console").await.unwrap();
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.secure(), Some(true));
    assert!(!cookie.value().contains(DEV_KEY));
    assert!(!client.source().await.unwrap().contains(DEV_KEY));

    // A forged post (the session, no token; or a foreign origin) is refused.
    let forged = reqwest::Client::new()
        .post(console_url(&app, "/console/passes/CONSOLE-1/close"))
        .header("cookie", format!("alipass_console={}", cookie.value()))
        .form(&[("csrf", "not-the-token")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 403);
    client.close().await.unwrap();
    app.shutdown().await;
}

#[tokio::test]
async fn a_read_key_sees_no_redeem_button_and_cannot_post_one() {
    let driver = start_driver();
    let app = spawn_app_with(|s| extra_key(s, "reader", READER_KEY, &["read"])).await;
    let (template_id, params) = app.create_template().await;
    assert_eq!(
        app.issue_pass(&template_id, "READ-1", &params)
            .await
            .status()
            .as_u16(),
        201
    );
    let client = browser(&driver).await;
    sign_in(&client, &app, READER_KEY).await;
    client
        .goto(&console_url(&app, "/console/passes/READ-1"))
        .await
        .unwrap();
    assert!(client.find(Locator::Id("status")).await.is_ok());
    assert!(
        client.find(Locator::LinkText("Redeem…")).await.is_err(),
        "no redeem for a read key"
    );
    // Even with its own valid token, a read key's post changes nothing.
    client
        .goto(&console_url(&app, "/console/passes/READ-1/close"))
        .await
        .unwrap();
    click(&client, Locator::Id("confirm")).await;
    let refused = Locator::XPath("//body[contains(., 'may not change passes')]");
    assert!(
        client.wait().for_element(refused).await.is_ok(),
        "{}",
        client.source().await.unwrap()
    );
    // The gateway's word for an issued pass.
    assert_eq!(app.sim_pass_status("READ-1").as_deref(), Some("ACTIVE"));
    client.close().await.unwrap();
    app.shutdown().await;
}

#[tokio::test]
async fn the_navigation_bar_switches_to_another_app_of_the_key() {
    let driver = start_driver();
    let app = spawn_app_with(with_brand_b).await;
    let client = browser(&driver).await;
    sign_in(&client, &app, DEV_KEY).await;
    let who = client.find(Locator::Css("nav .who")).await.unwrap();
    assert!(who.text().await.unwrap().ends_with("app default"));
    let form = client.form(Locator::Css("form.switch")).await.unwrap();
    form.set_by_name("app", BRAND_B).await.unwrap();
    form.submit().await.unwrap();
    let switched = Locator::XPath("//nav/span[contains(., 'app brand-b')]");
    assert!(
        client.wait().for_element(switched).await.is_ok(),
        "{}",
        client.source().await.unwrap()
    );
    client.close().await.unwrap();
    app.shutdown().await;
}
