//! Text-level rules shared by template and parameter checks: `$var$` scanning, the wave
//! message rule, the pass date format, GBK encodability and JSONPath-like paths.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use serde_json::Value;

/// One well-formed `$name$` occurrence: byte range of the whole token and the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VarToken<'a> {
    pub start: usize,
    pub end: usize,
    pub name: &'a str,
}

/// Finds the `$name$` tokens of `s`, left to right.
///
/// A name is the non-empty text between two `$` with no whitespace (and so no `$`). A `$`
/// that does not open such a token is literal text and never substituted: the closing
/// candidate is then tried as an opener, so `"a $ b $name$"` still yields `name`, and the
/// official wave example `"!@#$%^&*()|{}12a"` (one lone `$`) yields nothing.
pub(crate) fn var_tokens(s: &str) -> Vec<VarToken<'_>> {
    let mut tokens = Vec::new();
    let mut from = 0;
    // `$` is ASCII, so byte offsets found here are always char boundaries.
    while let Some(open) = s
        .get(from..)
        .and_then(|rest| rest.find('$'))
        .map(|o| from + o)
    {
        let after = open + 1;
        let Some(close) = s
            .get(after..)
            .and_then(|rest| rest.find('$'))
            .map(|c| after + c)
        else {
            break;
        };
        let name = &s[after..close];
        if !name.is_empty() && !name.chars().any(char::is_whitespace) {
            tokens.push(VarToken {
                start: open,
                end: close + 1,
                name,
            });
            from = close + 1;
        } else {
            from = close;
        }
    }
    tokens
}

/// The variable name when `s` is exactly one `$name$` token and nothing else.
pub(crate) fn pure_var(s: &str) -> Option<&str> {
    match var_tokens(s).as_slice() {
        [only] if only.start == 0 && only.end == s.len() => Some(only.name),
        _ => None,
    }
}

/// `s` with every `$name$` replaced by its value; None when some value is unknown.
pub(crate) fn render(s: &str, lookup: impl Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for token in var_tokens(s) {
        out.push_str(&s[last..token.start]);
        out.push_str(&lookup(token.name)?);
        last = token.end;
    }
    out.push_str(&s[last..]);
    Some(out)
}

/// The distinct `$var$` names used in the string values of `v` (never in object keys), in
/// document order: the template's parameter list as Alipay returns it in `tpl_params`.
pub fn extract_params(v: &Value) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut params = Vec::new();
    for s in strings_in_order(v) {
        for token in var_tokens(s) {
            if seen.insert(token.name) {
                params.push(token.name.to_owned());
            }
        }
    }
    params
}

/// Every string value of `v` in document order. Iterative, so no input nests deep enough to
/// overflow the stack here.
pub(crate) fn strings_in_order(v: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    let mut stack = vec![v];
    while let Some(node) = stack.pop() {
        match node {
            Value::String(s) => out.push(s.as_str()),
            Value::Array(items) => stack.extend(items.iter().rev()),
            Value::Object(map) => stack.extend(map.values().rev()),
            _ => {}
        }
    }
    out
}

/// Every string value of `v` with its path, in document order (iterative, see above).
pub(crate) fn strings_with_paths<'v>(v: &'v Value, root: &str) -> Vec<(String, &'v str)> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_owned(), v)];
    while let Some((path, node)) = stack.pop() {
        match node {
            Value::String(s) => out.push((path, s.as_str())),
            Value::Array(items) => stack.extend(
                items
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(i, item)| (index(&path, i), item)),
            ),
            Value::Object(map) => {
                stack.extend(map.iter().rev().map(|(k, item)| (child(&path, k), item)))
            }
            _ => {}
        }
    }
    out
}

/// The wave (sound) verification rule of seed 002: up to 16 characters of anything; or
/// 17 to 32 characters, all hex digits, the first not `0`. The client silently hides the
/// wave button otherwise, so an empty message is refused as well.
pub fn is_valid_wave_message(s: &str) -> bool {
    let len = s.chars().count();
    match len {
        1..=16 => true,
        17..=32 => s.bytes().all(|b| b.is_ascii_hexdigit()) && !s.starts_with('0'),
        _ => false,
    }
}

/// A pass date: exactly `yyyy-MM-dd HH:mm:ss`, zero-padded, and a real calendar instant.
/// chrono alone would accept unpadded fields (`2016-6-30`), which the docs' format forbids.
pub(crate) fn parse_pass_date(s: &str) -> Option<NaiveDateTime> {
    const SHAPE: &[u8; 19] = b"dddd-dd-dd dd:dd:dd";
    let bytes = s.as_bytes();
    if bytes.len() != SHAPE.len() {
        return None;
    }
    let shaped = bytes.iter().zip(SHAPE).all(|(b, want)| match want {
        b'd' => b.is_ascii_digit(),
        other => b == other,
    });
    if !shaped {
        return None;
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok()
}

/// The first character GBK cannot encode, if any (Alipay refuses the whole call with
/// KP.AE_ALIPASS_CHAR_NOT_GBK).
pub(crate) fn first_non_gbk(s: &str) -> Option<char> {
    let (_, _, had_errors) = encoding_rs::GBK.encode(s);
    if !had_errors {
        return None;
    }
    let mut buf = [0u8; 4];
    s.chars()
        .find(|c| encoding_rs::GBK.encode(c.encode_utf8(&mut buf)).2)
}

/// Names a character for a human: `'😀' (U+1F600)`.
pub(crate) fn describe_char(c: char) -> String {
    if c.is_control() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("'{c}' (U+{:04X})", c as u32)
    }
}

/// `path.key`, or `path['key']` when the key is not a plain identifier.
pub(crate) fn child(path: &str, key: &str) -> String {
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!("{path}.{key}")
    } else {
        let escaped = key.replace('\\', "\\\\").replace('\'', "\\'");
        format!("{path}['{escaped}']")
    }
}

pub(crate) fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// A short quote of user text for messages, so a huge value cannot bloat a report.
pub(crate) fn clip(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}
