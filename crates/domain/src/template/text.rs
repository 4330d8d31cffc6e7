//! Text-level rules shared by template and parameter checks: `$var$` scanning, the wave
//! message rule, the pass date format, GBK encodability and JSONPath-like paths.

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime};
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

/// What [`render`] made of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rendered {
    Text(String),
    /// Some `$name$` has no value.
    Unknown,
    /// The result would be longer than the cap: the rendering stopped there, with this
    /// much (a little past the cap) done.
    Over(String),
}

/// `s` with every `$name$` replaced by its value, stopping as soon as the result passes
/// `max_bytes` (one short text can name a long value thousands of times).
pub(crate) fn render(
    s: &str,
    lookup: impl Fn(&str) -> Option<String>,
    max_bytes: usize,
) -> Rendered {
    let mut out = String::with_capacity(s.len().min(max_bytes));
    let mut last = 0;
    for token in var_tokens(s) {
        out.push_str(&s[last..token.start]);
        let Some(value) = lookup(token.name) else {
            return Rendered::Unknown;
        };
        out.push_str(&value);
        if out.len() > max_bytes {
            return Rendered::Over(out);
        }
        last = token.end;
    }
    out.push_str(&s[last..]);
    if out.len() > max_bytes {
        return Rendered::Over(out);
    }
    Rendered::Text(out)
}

/// The text a known parameter value stands for in a document: a string, or a number or
/// boolean as text; None for anything else (the `$name$` then stays as it is).
fn value_text(value: Option<&Value>) -> Option<std::borrow::Cow<'_, str>> {
    match value? {
        Value::String(text) => Some(text.as_str().into()),
        Value::Number(n) => Some(n.to_string().into()),
        Value::Bool(b) => Some(b.to_string().into()),
        _ => None,
    }
}

/// The bytes of every string value of `v` once substituted with `values` (see
/// [`substitute`]), counted without substituting and saturating, so a short document
/// naming a long value many times costs no memory to measure.
pub fn substituted_bytes(v: &Value, values: &serde_json::Map<String, Value>) -> usize {
    let mut total = 0usize;
    for s in strings_in_order(v) {
        let mut last = 0;
        for token in var_tokens(s) {
            let len =
                value_text(values.get(token.name)).map_or(token.end - token.start, |t| t.len());
            total = total.saturating_add(token.start - last).saturating_add(len);
            last = token.end;
        }
        total = total.saturating_add(s.len() - last);
    }
    total
}

/// [`substitute`] when the result's strings fit in `max_bytes`; else `Err` with the bytes
/// they would take, measured before anything is substituted.
pub fn substitute_within(
    v: &Value,
    values: &serde_json::Map<String, Value>,
    max_bytes: usize,
) -> Result<Value, usize> {
    match substituted_bytes(v, values) {
        n if n > max_bytes => Err(n),
        _ => Ok(substitute(v, values)),
    }
}

/// `v` with every `$name$` in its string values replaced by the value of `name` (a string,
/// or a number or boolean as text); unknown names stay as they are. What Alipay renders
/// for a pass issued with `values`. Nesting past 64 levels is left as it is. Unbounded:
/// measure first with [`substituted_bytes`] (or call [`substitute_within`]).
pub fn substitute(v: &Value, values: &serde_json::Map<String, Value>) -> Value {
    fn walk(v: &Value, values: &serde_json::Map<String, Value>, depth: u32) -> Value {
        match v {
            _ if depth > 64 => v.clone(),
            Value::String(s) => {
                let mut out = String::with_capacity(s.len());
                let mut last = 0;
                for token in var_tokens(s) {
                    out.push_str(&s[last..token.start]);
                    match value_text(values.get(token.name)) {
                        Some(text) => out.push_str(&text),
                        None => out.push_str(&s[token.start..token.end]),
                    }
                    last = token.end;
                }
                out.push_str(&s[last..]);
                Value::String(out)
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|i| walk(i, values, depth + 1)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, i)| (k.clone(), walk(i, values, depth + 1)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    walk(v, values, 0)
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

/// A pass date as Alipay reads it: Java's `SimpleDateFormat("yyyy-MM-dd HH:mm:ss")`, which
/// takes unpadded fields, so the vendor's own example `2016-6-30 15:44:11` is a date as well
/// as `2016-06-30 15:44:11`. Shape: a 4-digit year, then 1–2 digits for month, day, hour,
/// minute and second, one space between date and time, nothing before or after. The value
/// must be a real calendar instant (no month 13, no `2016-02-30`, no `24:00:00`).
pub(crate) fn parse_pass_date(s: &str) -> Option<NaiveDateTime> {
    fn number(text: &str, digits: std::ops::RangeInclusive<usize>) -> Option<u32> {
        (digits.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().ok())
            .flatten()
    }
    fn three(text: &str, sep: char) -> Option<[&str; 3]> {
        let mut parts = text.split(sep);
        let fields = [parts.next()?, parts.next()?, parts.next()?];
        parts.next().is_none().then_some(fields)
    }
    let (date, time) = s.split_once(' ')?;
    let [year, month, day] = three(date, '-')?;
    let [hour, minute, second] = three(time, ':')?;
    let year = i32::try_from(number(year, 4..=4)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(month, 1..=2)?, number(day, 1..=2)?)?.and_hms_opt(
        number(hour, 1..=2)?,
        number(minute, 1..=2)?,
        number(second, 1..=2)?,
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitute_fills_known_names_and_leaves_the_rest() {
        let v = serde_json::json!({"a": "至 $end$ 止", "b": ["$n$", "$unknown$"], "c": 1});
        let values = serde_json::json!({"end": "2026-12-31", "n": 5});
        let out = substitute(&v, values.as_object().unwrap());
        assert_eq!(
            out,
            serde_json::json!({"a": "至 2026-12-31 止", "b": ["5", "$unknown$"], "c": 1})
        );
    }

    #[test]
    fn substituted_bytes_counts_the_result_without_building_it() {
        let v = serde_json::json!({"a": "至 $end$ 止", "b": ["$n$", "$unknown$"], "c": 1});
        let values = serde_json::json!({"end": "2026-12-31", "n": 5});
        let values = values.as_object().unwrap();
        let built = substitute(&v, values);
        let strings: usize = strings_in_order(&built).iter().map(|s| s.len()).sum();
        assert_eq!(substituted_bytes(&v, values), strings);
    }

    #[test]
    fn substitute_within_refuses_an_expansion_past_the_cap_before_building_it() {
        // 20,000 tokens of a 1 MB value: 20 GB if it were built.
        let v = serde_json::json!({"a": "$x$".repeat(20_000)});
        let values = serde_json::json!({"x": "y".repeat(1_000_000)});
        let values = values.as_object().unwrap();
        assert_eq!(
            substitute_within(&v, values, 1 << 20),
            Err(20_000 * 1_000_000)
        );
        let small = serde_json::json!({"x": "y"});
        assert!(substitute_within(&v, small.as_object().unwrap(), 1 << 20).is_ok());
    }

    #[test]
    fn render_stops_at_the_cap() {
        let long = "y".repeat(1_000);
        let lookup = |_: &str| Some(long.clone());
        let Rendered::Over(done) = render(&"$x$".repeat(10_000), lookup, 4_096) else {
            panic!("not stopped");
        };
        assert_eq!(done.len(), 5_000);
        assert_eq!(render("a $x$", |_| None, 4_096), Rendered::Unknown);
        assert_eq!(
            render("a $x$", |_| Some("b".into()), 4_096),
            Rendered::Text("a b".into())
        );
    }

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<NaiveDateTime> {
        NaiveDate::from_ymd_opt(y, mo, d).and_then(|date| date.and_hms_opt(h, mi, s))
    }

    #[test]
    fn pass_dates_padded_and_unpadded() {
        assert_eq!(
            parse_pass_date("2016-06-30 15:44:11"),
            at(2016, 6, 30, 15, 44, 11)
        );
        // The vendor's own example (seed 002, evoucherInfo.startDate).
        assert_eq!(
            parse_pass_date("2016-6-30 15:44:11"),
            at(2016, 6, 30, 15, 44, 11)
        );
        assert_eq!(parse_pass_date("2016-1-2 3:4:5"), at(2016, 1, 2, 3, 4, 5));
        assert_eq!(
            parse_pass_date("2016-01-2 03:4:05"),
            at(2016, 1, 2, 3, 4, 5)
        );
        assert_eq!(parse_pass_date("2016-2-29 0:0:0"), at(2016, 2, 29, 0, 0, 0));
        assert_eq!(
            parse_pass_date("2016-12-31 23:59:59"),
            at(2016, 12, 31, 23, 59, 59)
        );
    }

    #[test]
    fn pass_dates_out_of_range_or_malformed_are_refused() {
        for bad in [
            // out of range
            "2016-13-30 15:44:11",
            "2016-0-30 15:44:11",
            "2016-02-30 00:00:00",
            "2015-2-29 00:00:00",
            "2016-6-31 15:44:11",
            "2016-06-00 15:44:11",
            "2016-06-30 24:00:00",
            "2016-06-30 23:60:00",
            "2016-06-30 23:59:60",
            // field widths
            "16-06-30 15:44:11",
            "02016-06-30 15:44:11",
            "2016-006-30 15:44:11",
            "2016-06-030 15:44:11",
            "2016-06-30 015:44:11",
            "2016-06-30 15:044:11",
            "2016-06-30 15:44:011",
            "2016--30 15:44:11",
            "2016-06-30 15::11",
            // shape and garbage
            "2016-06-30",
            "2016-06-30 15:44",
            "2016-06-30 15:44:11 ",
            " 2016-06-30 15:44:11",
            "2016-06-30  15:44:11",
            "2016-06-30T15:44:11",
            "2016/06/30 15:44:11",
            "2016-06-30 15:44:11x",
            "2016-06-30 15:44:11.000",
            "2016-06-30 15:44:11:00",
            "2016-06-30-01 15:44:11",
            "2016-+6-30 15:44:11",
            "2016-06-30 +5:44:11",
            "2016-０6-30 15:44:11",
            "",
            "$validStartDate$",
        ] {
            assert_eq!(parse_pass_date(bad), None, "{bad:?}");
        }
    }
}
