use std::collections::BTreeSet;
use std::path::Path;

use super::*;
use crate::alipay::codes::{classify, classify_business, known_business_codes};

/// Where a problem code is written in the sources: a constructor that takes one, a `code:`
/// field, the protocol crate's meanings, a const. The first string literal after it is the
/// code (a variable code is caught where its literal is written).
const CODE_SITES: [&str; 17] = [
    "ApiError::new(",
    "ApiError::bad_request(",
    "ApiError::conflict(",
    "ApiError::unavailable(",
    "ServiceError::conflict(",
    "ServiceError::malformed(",
    "ServiceError::over_limit(",
    "ServiceError::too_large(",
    // The constructors' own bodies and `From` impls.
    "Self::new(",
    "Self::conflict(",
    "Self::malformed(",
    "code: ",
    "meaning(",
    "configuration(",
    "exists(",
    ": &str = ",
    "let code = match",
];

/// Literals the sites above also catch that are no problem codes.
const NOT_PROBLEM_CODES: [&str; 4] = [
    "v2",              // the sealed-value format's version
    "redacted",        // retention's marker for erased personal data
    "alipass_console", // the console's cookie name
    "invalid_request", // a campaign row's outcome, never an HTTP answer
];

fn is_code(literal: &str) -> bool {
    literal.starts_with(|c: char| c.is_ascii_lowercase())
        && literal
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The string literals in `text`, in order.
fn literals(text: &str) -> impl Iterator<Item = &str> {
    text.split('"').skip(1).step_by(2)
}

/// Candidate codes in one source file's non-test part.
fn codes_in(source: &str) -> BTreeSet<String> {
    let source = source.split("#[cfg(test)]").next().unwrap_or_default();
    let mut found = BTreeSet::new();
    for site in CODE_SITES {
        for (at, _) in source.match_indices(site) {
            let after = &source[at + site.len()..];
            // A `let code = match` lists its codes up to the end of the match.
            let window = match site {
                "let code = match" => &after[..after.find("};").unwrap_or(after.len())],
                _ => {
                    let end = after
                        .char_indices()
                        .nth(120)
                        .map_or(after.len(), |(i, _)| i);
                    &after[..end]
                }
            };
            let mut candidates = literals(window);
            let taken: Vec<&str> = match site {
                "let code = match" => candidates.collect(),
                // A field is a code only when a literal is its value (`code: "x"`), not when
                // a literal is an argument of it (`code: text("code")`).
                "code: " if !window.starts_with('"') => Vec::new(),
                _ => candidates.next().into_iter().collect(),
            };
            found.extend(taken.into_iter().filter(|l| is_code(l)).map(str::to_owned));
        }
    }
    found
}

fn rust_files(dir: &Path, into: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "tests" {
                rust_files(&path, into);
            }
        } else if name.ends_with(".rs") && name != "tests.rs" && !name.ends_with("_tests.rs") {
            into.push(path);
        }
    }
}

#[test]
fn every_code_the_sources_emit_has_a_page_and_every_page_a_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("crates/alipay-protocol/src"), &mut files);
    let mut emitted = BTreeSet::new();
    let mut sources = String::new();
    for file in files.iter().filter(|f| !f.ends_with("error/codes.rs")) {
        let source = std::fs::read_to_string(file).unwrap();
        emitted.extend(codes_in(&source));
        sources.push_str(&source);
    }
    // And no page outlives its code.
    for problem in PROBLEM_CODES {
        let literal = format!("\"{}\"", problem.code);
        assert!(
            sources.contains(&literal),
            "{} is emitted nowhere",
            problem.code
        );
    }
    // The scan must see the sources at all: these are written in three different ways.
    for sample in [
        "idempotency_key_reused",
        "campaign_closed",
        "template_changed",
    ] {
        assert!(emitted.contains(sample), "the scan missed {sample}");
    }
    let missing: Vec<&String> = emitted
        .iter()
        .filter(|c| !NOT_PROBLEM_CODES.contains(&c.as_str()) && lookup(c).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a page in error/codes.rs: {missing:?}"
    );
}

#[test]
fn codes_are_unique_and_readable() {
    let mut seen = BTreeSet::new();
    for problem in PROBLEM_CODES {
        assert!(seen.insert(problem.code), "{} listed twice", problem.code);
        assert!(is_code(problem.code));
        assert!((400..600).contains(&problem.status), "{}", problem.code);
        assert!(!problem.meaning.is_empty() && !problem.action.is_empty());
    }
}

#[test]
fn gateway_meanings_have_pages_with_the_status_they_are_answered_with() {
    let mut meanings: Vec<_> = known_business_codes()
        .map(|sub| classify_business(Some(sub)))
        .collect();
    meanings.push(classify_business(Some("UNHEARD_OF")));
    for (code, sub) in [
        ("20000", None),
        ("20001", None),
        ("40001", Some("isv.missing-app-id")),
        ("40002", Some("isv.invalid-signature")),
        ("40002", Some("isv.invalid-app-id")),
        ("40002", Some("isv.invalid-timestamp")),
        ("40002", Some("isv.decryption-error-unknown")),
        ("40006", None),
        ("99999", None),
    ] {
        meanings.extend(classify(code, sub));
    }
    for meaning in meanings {
        let page = lookup(meaning.code).unwrap_or_else(|| panic!("{} has no page", meaning.code));
        let answered = super::super::refusal_status(meaning.kind).as_u16();
        assert_eq!(page.status, answered, "{}", meaning.code);
    }
}

#[test]
fn pages_are_found_by_code_and_by_type_uri_segment() {
    assert_eq!(
        lookup("idempotency-key-reused"),
        lookup("idempotency_key_reused")
    );
    assert!(lookup("idempotency_key_reused").is_some());
    assert!(lookup("no-such-problem").is_none());
}
