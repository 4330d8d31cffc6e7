//! A pass as the customer's wallet shows it, drawn from the final pass document (the
//! template with every `$var$` substituted): background colour, logo and strip, title and
//! logo texts, head / primary / secondary / auxiliary fields, validity dates, the
//! operation area (QR code and barcode as inline SVG generated from the message; text, wave
//! and app operations as their labels), and the back fields behind a "details" toggle.
//!
//! Nothing is fetched on the server: images are CSS backgrounds over a neutral placeholder,
//! so an image that cannot be loaded (offline, blocked) leaves the placeholder.

use maud::{html, Markup, PreEscaped};
use serde_json::Value;

/// The card's CSS, shared by the console and the preview API's standalone page.
pub const CARD_CSS: &str = include_str!("card.css");

/// The card and the CSS rules it needs (its colour and images), to be put in a `<style>`
/// block of the page (a nonce'd one under the console's Content-Security-Policy).
pub struct Card {
    pub markup: Markup,
    pub style: String,
}

/// `document` is a template's `tpl_content` after substitution; `id` makes the card's CSS
/// class names unique on a page.
pub fn render(document: &Value, id: &str) -> Card {
    let info = &document["content"]["evoucherInfo"];
    let einfo = &info["einfo"];
    let class = format!("card-{}", css_ident(id));
    let mut style = String::new();
    if let Some(rgb) = document["content"]["style"]["backgroundColor"]
        .as_str()
        .and_then(parse_rgb)
    {
        style.push_str(&format!(
            ".{class}{{background:rgb({},{},{})}}",
            rgb.0, rgb.1, rgb.2
        ));
    }
    for part in ["logo", "strip"] {
        if let Some(url) = document[part].as_str().and_then(css_url) {
            style.push_str(&format!(
                ".{class} .{part}{{background-image:url(\"{url}\")}}"
            ));
        }
    }
    let markup = html! {
        article.card.(class) {
            header {
                div.logo title="logo" {}
                div.logotexts {
                    strong { (text(&einfo["logoText"])) }
                    // Alipay's own spelling of the second logo text, and the correct one.
                    span { (text(einfo.get("secendLogoText").unwrap_or(&einfo["secondLogoText"]))) }
                }
                div.head { (fields(&einfo["headFields"])) }
            }
            h2.title { (text(&info["title"])) }
            div.strip title="strip" { div.primary { (fields(&einfo["primaryFields"])) } }
            div.secondary { (fields(&einfo["secondaryFields"])) }
            div.auxiliary { (fields(&einfo["auxiliaryFields"])) }
            p.validity {
                "Valid " (text(&info["startDate"])) " – " (text(&info["endDate"]))
            }
            div.operations {
                @for operation in info["operation"].as_array().into_iter().flatten() {
                    (operation_area(operation))
                }
            }
            details {
                summary { "details" }
                dl.back {
                    @for field in einfo["backFields"].as_array().into_iter().flatten() {
                        dt { (text(&field["label"])) }
                        dd { (text(&field["value"])) }
                    }
                }
            }
        }
    };
    Card { markup, style }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn fields(list: &Value) -> Markup {
    html! {
        @for field in list.as_array().into_iter().flatten() {
            div.field {
                span.label { (text(&field["label"])) }
                span.value { (text(&field["value"])) }
            }
        }
    }
}

/// One operation as the customer sees it.
fn operation_area(operation: &Value) -> Markup {
    let message = operation["message"].as_str().unwrap_or_default();
    let alt = text(&operation["altText"]);
    match operation["format"]
        .as_str()
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "qrcode" => html! {
            figure.operation.qrcode {
                (qr_svg(message).unwrap_or_else(|| html! { span.unrenderable { "QR code: " (message) } }))
                figcaption { (alt) }
            }
        },
        "barcode" => html! {
            figure.operation.barcode {
                (barcode_svg(message).unwrap_or_else(|| html! { span.unrenderable { "barcode: " (message) } }))
                figcaption { (alt) }
            }
        },
        "text" => html! {
            dl.operation.text {
                @for item in operation["message"].as_array().into_iter().flatten() {
                    dt { (text(&item["label"])) } dd { (text(&item["value"])) }
                }
                @if !operation["message"].is_array() { dd { (message) } }
            }
        },
        "wave" => html! { p.operation.wave { "Sound wave: " (alt) } },
        "app" => html! { p.operation.app { "Open the app: " (alt) } },
        other => html! { p.operation { (other) ": " (alt) } },
    }
}

/// The QR code of `message` as an SVG element (its XML prolog dropped).
pub fn qr_svg(message: &str) -> Option<Markup> {
    let code = qrcode::QrCode::new(message.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(160, 160)
        .build();
    let start = svg.find("<svg")?;
    Some(PreEscaped(svg[start..].to_owned()))
}

/// A Code 128 barcode of `message` (printable ASCII only) as an SVG element.
pub fn barcode_svg(message: &str) -> Option<Markup> {
    if message.is_empty() || !message.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return None;
    }
    let code = barcoders::sym::code128::Code128::new(format!("\u{0181}{message}")).ok()?;
    let svg = barcoders::generators::svg::SVG::new(60)
        .generate(code.encode())
        .ok()?;
    Some(PreEscaped(svg))
}

/// `RGB(255,126,0)` (any case, spaces allowed) as its three components.
fn parse_rgb(text: &str) -> Option<(u8, u8, u8)> {
    let inner = text.trim().to_ascii_lowercase();
    let inner = inner.strip_prefix("rgb(")?.strip_suffix(')')?;
    let mut parts = inner.split(',').map(|p| p.trim().parse::<u8>());
    let rgb = (
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    );
    parts.next().is_none().then_some(rgb)
}

/// An http(s) URL safe inside `url("…")`: nothing that could close the string or the rule.
fn css_url(url: &str) -> Option<&str> {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.bytes().all(|b| {
            b.is_ascii_graphic()
                && !matches!(
                    b,
                    b'"' | b'\'' | b'\\' | b'(' | b')' | b'<' | b'>' | b'{' | b'}' | b';'
                )
        });
    ok.then_some(url)
}

fn css_ident(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn colours_and_urls_reach_css_only_when_harmless() {
        assert_eq!(parse_rgb("RGB(255,126,0)"), Some((255, 126, 0)));
        assert_eq!(parse_rgb("rgb(1, 2, 300)"), None);
        assert_eq!(parse_rgb("rgb(1,2,3);x"), None);
        assert!(css_url("https://a.example/logo.png").is_some());
        assert!(css_url("https://a.example/x\");}body{").is_none());
        assert!(css_url("javascript:alert(1)").is_none());
    }

    #[test]
    fn the_card_shows_the_substituted_document_and_its_codes() {
        let document = json!({
            "logo": "https://example.com/logo.png",
            "content": {
                "evoucherInfo": {
                    "title": "<b>coupon</b>", "startDate": "2026-12-01 10:00:00",
                    "endDate": "2026-12-31 23:59:59",
                    "operation": [
                        {"format": "qrcode", "message": "4561234", "altText": "4561234"},
                        {"format": "barcode", "message": "ABC-123", "altText": "ABC-123"},
                        {"format": "wave", "message": "abc", "altText": "wave it"}
                    ],
                    "einfo": {"logoText": "Shop", "secendLogoText": "Four seasons",
                              "backFields": [{"label": "Terms", "value": "none"}]}
                },
                "style": {"backgroundColor": "RGB(255,126,0)"}
            }
        });
        let card = render(&document, "p1");
        let html = card.markup.into_string();
        assert!(
            html.contains("&lt;b&gt;coupon&lt;/b&gt;"),
            "escaped: {html}"
        );
        assert_eq!(html.matches("<svg").count(), 2, "a QR code and a barcode");
        assert!(html.contains("Sound wave: wave it"));
        assert!(html.contains("<details><summary>details</summary>"));
        assert!(card.style.contains(".card-p1{background:rgb(255,126,0)}"));
        assert!(card.style.contains("url(\"https://example.com/logo.png\")"));
    }
}
