//! Reminders, merchant, platform, style, files, format version and app info.

use super::*;

impl Checker<'_> {
    pub(super) fn remind_info(&mut self, v: &Value, path: &str) {
        let Some(map) = self.object(v, path, REMIND_KEYS) else {
            return;
        };
        let Some(offset) = self.field(map, path, "offset", false) else {
            return;
        };
        let at = child(path, "offset");
        let seconds = match offset {
            Value::Number(n) => n.as_i64(),
            Value::String(s) if pure_var(s).is_some() => return,
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        let Some(seconds) = seconds else {
            self.error(
                at,
                VALUE_INVALID,
                format!(
                    "must be a whole number of seconds, found {}",
                    clip(&offset.to_string())
                ),
            );
            return;
        };
        let (min, max) = (self.limits.remind_offset_min, self.limits.remind_offset_max);
        if !(min..=max).contains(&seconds) {
            let message = format!(
                "{seconds} seconds is outside the documented {min}..={max} (the official example itself sends 2)"
            );
            if self.limits.remind_offset_strict {
                self.error(at, VALUE_INVALID, message);
            } else {
                self.warn(at, VALUE_INVALID, message);
            }
        }
    }

    pub(super) fn merchant(&mut self, v: &Value, path: &str) {
        let Some(map) = self.object(v, path, MERCHANT_KEYS) else {
            return;
        };
        self.text(map, path, "mname", REQUIRED);
        for key in ["mshortName", "maddr", "mtel", "minfo"] {
            self.text(map, path, key, OPTIONAL);
        }
    }

    pub(super) fn platform(&mut self, v: &Value, path: &str) {
        let Some(map) = self.object(v, path, PLATFORM_KEYS) else {
            return;
        };
        self.text(map, path, "channelID", required_max(CHANNEL_ID_MAX_CHARS));
        self.text(
            map,
            path,
            "webServiceUrl",
            required_max(WEB_SERVICE_URL_MAX_CHARS),
        );
        self.one_of(map, path, "channelScene", false, CHANNEL_SCENES);
    }

    pub(super) fn style(&mut self, v: &Value, path: &str) {
        if let Some(map) = self.object(v, path, STYLE_KEYS) {
            self.text(map, path, "backgroundColor", REQUIRED);
        }
    }

    pub(super) fn file_info(&mut self, v: &Value, path: &str) {
        let Some(map) = self.object(v, path, FILE_INFO_KEYS) else {
            return;
        };
        self.format_version(map, path);
        self.text(
            map,
            path,
            "serialNumber",
            required_max(SERIAL_NUMBER_MAX_CHARS),
        );
        for key in ["canPresent", "canShare", "canBuy", "supportTaxi"] {
            self.flag(map, path, key);
        }
        self.text(map, path, "taxiSchemaUrl", OPTIONAL);
    }

    /// Integer per the table, but the official example sends "2": a non-negative integer
    /// or a string of digits, at most 10 characters (the table's field length).
    pub(super) fn format_version(&mut self, map: &Map<String, Value>, path: &str) {
        let Some(v) = self.field(map, path, "formatVersion", true) else {
            return;
        };
        let digits = match v {
            Value::Number(n) if n.is_u64() => n.to_string(),
            Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.clone(),
            Value::String(s) if s.trim().is_empty() => {
                self.error(
                    child(path, "formatVersion"),
                    ESSENTIAL_PARAMS_BLANK,
                    "'formatVersion' must not be empty",
                );
                return;
            }
            other => {
                self.error(
                    child(path, "formatVersion"),
                    VALUE_INVALID,
                    format!(
                        "must be a whole number (the current version is 2), found {}",
                        clip(&other.to_string())
                    ),
                );
                return;
            }
        };
        if digits.len() > FORMAT_VERSION_MAX_DIGITS {
            self.error(
                child(path, "formatVersion"),
                VALUE_INVALID,
                format!(
                    "must be at most {FORMAT_VERSION_MAX_DIGITS} digits, found {}",
                    digits.len()
                ),
            );
        }
    }

    pub(super) fn app_info(&mut self, v: &Value, path: &str) {
        let Some(map) = self.object(v, path, APP_INFO_KEYS) else {
            return;
        };
        self.text(map, path, "label", OPTIONAL);
        self.text(map, path, "message", OPTIONAL);
        if let Some(app) = self.field(map, path, "app", false) {
            let app_path = child(path, "app");
            if let Some(app) = self.object(app, &app_path, APP_KEYS) {
                for key in APP_KEYS {
                    self.text(app, &app_path, key, OPTIONAL);
                }
            }
        }
    }
}
