//! The operation area: barcodes, QR codes, waves, text, app and image operations.

use super::*;

impl Checker<'_> {
    pub(super) fn operations(&mut self, v: &Value, path: &str) {
        let Value::Array(items) = v else {
            self.error(
                path,
                VALUE_INVALID,
                format!("must be an array, found {}", kind(v)),
            );
            return;
        };
        if items.is_empty() {
            self.error(
                path,
                ESSENTIAL_PARAMS_BLANK,
                "at least one operation is required",
            );
        }
        for (i, item) in items.iter().enumerate() {
            self.operation(item, &index(path, i));
        }
        let chars = compact_chars(v);
        if chars > OPERATION_MAX_CHARS {
            self.warn(
                path,
                VALUE_INVALID,
                format!("operation is {chars} characters as JSON; the docs size it Operation({OPERATION_MAX_CHARS})"),
            );
        }
    }

    pub(super) fn operation(&mut self, v: &Value, path: &str) {
        let Some(map) = self.object(v, path, OPERATION_KEYS) else {
            return;
        };
        let format = self.one_of(map, path, "format", true, FORMATS);
        self.text(map, path, "messageEncoding", OPTIONAL);
        self.text(map, path, "altText", OPTIONAL);
        let Some(message) = self.field(map, path, "message", true) else {
            return;
        };
        let at = child(path, "message");
        match format {
            None => {}
            Some("text") => self.text_message(message, &at),
            Some("app") if !message.is_object() => self.error(
                at,
                VALUE_INVALID,
                format!(
                    "format 'app' needs an object of {}, found {}",
                    APP_KEYS.join(", "),
                    kind(message)
                ),
            ),
            Some("app") => {
                if let Some(app) = self.object(message, &at, APP_KEYS) {
                    for key in APP_KEYS {
                        self.text(app, &at, key, OPTIONAL);
                    }
                }
            }
            Some("img") if !message.is_object() => self.error(
                at,
                VALUE_INVALID,
                format!(
                    "format 'img' needs an object {{img, target}}, found {}",
                    kind(message)
                ),
            ),
            Some("img") => {
                if let Some(img) = self.object(message, &at, IMG_KEYS) {
                    self.text(img, &at, "img", REQUIRED);
                    self.text(img, &at, "target", OPTIONAL);
                }
            }
            Some(f) => self.string_message(message, &at, f),
        }
    }

    /// format text: an array of `{label, value}`.
    pub(super) fn text_message(&mut self, v: &Value, path: &str) {
        let Value::Array(items) = v else {
            self.error(
                path,
                VALUE_INVALID,
                format!(
                    "format 'text' needs an array of {{label, value}}, found {}",
                    kind(v)
                ),
            );
            return;
        };
        if items.is_empty() {
            self.error(
                path,
                ESSENTIAL_PARAMS_BLANK,
                "format 'text' needs at least one {label, value}",
            );
        }
        for (i, item) in items.iter().enumerate() {
            let item_path = index(path, i);
            if let Some(map) = self.object(item, &item_path, TEXT_MESSAGE_KEYS) {
                self.text(map, &item_path, "label", OPTIONAL);
                self.text(map, &item_path, "value", OPTIONAL);
            }
        }
    }

    /// formats wave, qrcode, barcode, url: one non-empty string.
    pub(super) fn string_message(&mut self, v: &Value, path: &str, format: &str) {
        let Value::String(s) = v else {
            self.error(
                path,
                VALUE_INVALID,
                format!(
                    "format '{format}' needs a string message, found {}",
                    kind(v)
                ),
            );
            return;
        };
        if s.trim().is_empty() {
            self.error(path, ESSENTIAL_PARAMS_BLANK, "message must not be empty");
            return;
        }
        if format != "wave" {
            return;
        }
        if !var_tokens(s).is_empty() {
            self.roles.deferred.push(Deferred {
                field: path.to_owned(),
                template: s.clone(),
                rule: DeferredRule::Wave,
            });
        } else if !is_valid_wave_message(s) {
            self.error(path, VALUE_INVALID, wave_rule_message(s));
        }
    }
}
