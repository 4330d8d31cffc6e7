//! The fuzz harness for the parsers that read what others control: a campaign's recipients
//! file (a merchant's upload), a template's content (a caller's JSON) and the gateway's
//! answers (the network's bytes). Each target replays the committed corpus
//! (`tests/fuzz/corpus/<target>/`), then mutates it (byte flips, inserted JSON and CSV
//! syntax, cuts, duplicated slices) and checks a property that must hold for every input,
//! not only that nothing panics.
//!
//! `cargo test --test fuzz` runs `FUZZ_CASES` mutations per target (256 by default, CI's
//! bounded run); `bash scripts/fuzz-parsers.sh` runs a long one. A failing case is printed
//! minimised: add it to the corpus with the fix.

use std::path::PathBuf;

use alipass::domain::status::CampaignKind;
use alipass::domain::template::{lint, parse_wire, TemplateLimits};
use alipass::service::campaigns::charset::{CharsetRule, FileCharset};
use alipass::service::campaigns::rows::{ParsedRow, QuotedRowTooLong, RowFormat, RowReader};
use alipay_protocol::charset::Charset;
use alipay_protocol::response::{sign_response_node, verify_response};
use alipay_protocol::sign::{AppPrivateKey, SignType};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

/// One corpus file: its name and bytes.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no seed", dir.display());
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect()
}

fn runner() -> TestRunner {
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256);
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

/// One change to a seed; positions are taken modulo the input's length.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Truncate(usize),
}

/// Bytes that mean something to one of the parsers.
fn syntax() -> impl Strategy<Value = Vec<u8>> {
    let pieces: Vec<&'static [u8]> = vec![
        b"\"",
        b"\"\"",
        b"\n",
        b"\r\n",
        b",",
        b"\\",
        b"\\/",
        b"{",
        b"}",
        b"[",
        b"]",
        b":",
        b"\xef\xbb\xbf",
        b"$",
        b"$x$",
        b"\\u0000",
        b"\xff\xfe",
        "更新".as_bytes(),
        b"null",
        b"1e999",
        b"\"sign\":\"",
        b"_response\":",
    ];
    prop_oneof![
        proptest::sample::select(pieces).prop_map(<[u8]>::to_vec),
        proptest::collection::vec(any::<u8>(), 1..8),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, bits)| Edit::Flip(at, bits)),
        (any::<usize>(), syntax()).prop_map(|(at, bytes)| Edit::Insert(at, bytes)),
        (any::<usize>(), 1usize..16).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), 1usize..64).prop_map(|(at, n)| Edit::Duplicate(at, n)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for edit in edits {
        let at = |n: usize| n % (bytes.len() + 1);
        match edit {
            Edit::Flip(n, bits) if !bytes.is_empty() => {
                let i = n % bytes.len();
                bytes[i] ^= bits | 1;
            }
            Edit::Flip(..) => {}
            Edit::Insert(n, piece) => {
                let i = at(*n);
                bytes.splice(i..i, piece.iter().copied());
            }
            Edit::Delete(n, len) => {
                let i = at(*n);
                bytes.drain(i..(i + len).min(bytes.len()));
            }
            Edit::Duplicate(n, len) => {
                let i = at(*n);
                let slice = bytes[i..(i + len).min(bytes.len())].to_vec();
                bytes.splice(i..i, slice);
            }
            Edit::Truncate(n) => bytes.truncate(at(*n)),
        }
    }
    bytes
}

/// A seed of the corpus and edits to it.
fn mutated(seeds: Vec<(String, Vec<u8>)>) -> impl Strategy<Value = (String, Vec<u8>)> {
    let edits = proptest::collection::vec(edit(), 0..6);
    (proptest::sample::select(seeds), edits)
        .prop_map(|((name, seed), edits)| (name, apply(&seed, &edits)))
}

// --- campaign rows -------------------------------------------------------------------

const MAX_ROW_BYTES: usize = 64;

fn read_rows(
    (format, charset): (RowFormat, CharsetRule),
    file: &[u8],
    chunk_sizes: &[usize],
) -> Result<Vec<ParsedRow>, QuotedRowTooLong> {
    let fields = CampaignKind::VoucherSend.recipient_fields();
    let mut reader = RowReader::new(format, charset, fields, MAX_ROW_BYTES);
    let mut rows = Vec::new();
    let mut rest = file;
    for size in chunk_sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at((*size).clamp(1, rest.len()));
        rows.extend(reader.push(chunk)?);
        rest = tail;
    }
    rows.extend(reader.finish());
    Ok(rows)
}

/// However a file is cut into chunks, it reads the same; lines only go forward; no row
/// carries more text than the row limit lets in: its bytes in UTF-8, at most three times
/// as many when the file may be GB18030 (whose one-byte 0x80 is €, three bytes in UTF-8).
#[test]
fn campaign_rows_read_the_same_in_any_chunks_and_stay_within_the_row_limit() {
    let seeds = corpus("campaign_rows");
    let chunks = proptest::collection::vec(1usize..40, 1..8);
    let charsets = proptest::sample::select(vec![
        CharsetRule::Detect,
        CharsetRule::Declared(FileCharset::Utf8),
        CharsetRule::Declared(FileCharset::Gb18030),
    ]);
    let input = (mutated(seeds), chunks, any::<bool>(), charsets);
    runner()
        .run(&input, |((name, file), chunk_sizes, csv, charset)| {
            let format = if csv {
                RowFormat::Csv
            } else {
                RowFormat::JsonLines
            };
            let limit = match charset {
                CharsetRule::Declared(FileCharset::Utf8) => MAX_ROW_BYTES,
                _ => 3 * MAX_ROW_BYTES,
            };
            let whole = read_rows((format, charset), &file, &[file.len().max(1)]);
            let cut = read_rows((format, charset), &file, &chunk_sizes);
            prop_assert_eq!(&whole, &cut, "{}: chunks {:?}", name, chunk_sizes);
            let Ok(mut rows) = whole else { return Ok(()) };
            // A file without a readable header says so last, of its first line.
            if rows
                .last()
                .is_some_and(|row| row.fields == Err("the file has no header row".into()))
            {
                rows.pop();
            }
            for pair in rows.windows(2) {
                prop_assert!(pair[0].line <= pair[1].line, "{}: {:?}", name, rows);
            }
            for row in rows.iter().filter_map(|row| row.fields.as_ref().ok()) {
                let text: usize = row.values().map(string_bytes).sum();
                prop_assert!(text <= limit, "{}: {} bytes in {:?}", name, text, row);
            }
            Ok(())
        })
        .unwrap();
}

fn string_bytes(value: &Value) -> usize {
    match value {
        Value::String(text) => text.len(),
        Value::Object(map) => map.values().map(string_bytes).sum(),
        Value::Array(items) => items.iter().map(string_bytes).sum(),
        _ => 0,
    }
}

// --- template content ----------------------------------------------------------------

/// A content the parser takes is one the linter finds no error in, and its wire form
/// parses again to the same parameters; a content it refuses says why.
#[test]
fn template_content_parses_as_it_lints_and_its_wire_form_round_trips() {
    let limits = TemplateLimits::default();
    runner()
        .run(&mutated(corpus("template_content")), |(name, bytes)| {
            let text = String::from_utf8_lossy(&bytes);
            let parsed = parse_wire(&text, &limits);
            let linted = lint(&Value::String(text.clone().into_owned()), &limits);
            prop_assert_eq!(parsed.is_ok(), linted.is_valid(), "{}: {:?}", name, linted);
            match parsed {
                Ok(content) => {
                    let again = parse_wire(&content.to_wire_string(), &limits);
                    let Ok(again) = again else {
                        return Err(TestCaseError::fail(format!(
                            "{name}: wire form refused: {again:?}"
                        )));
                    };
                    prop_assert_eq!(again.params(), content.params());
                }
                Err(report) => prop_assert!(!report.errors.is_empty(), "{}", name),
            }
            Ok(())
        })
        .unwrap();
}

// --- gateway answers -----------------------------------------------------------------

/// Whatever is done to a signed answer, an answer that verifies carries exactly the node
/// that was signed (JSON's `\/` for `/` aside, as the official SDKs allow).
#[test]
fn a_changed_gateway_answer_verifies_only_when_its_signed_node_is_intact() {
    let pem = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config/dev/sim_private_key.pem"),
    )
    .unwrap();
    let key = AppPrivateKey::parse(&pem).unwrap();
    let public = key.public_key();
    let mut signed = Vec::new();
    for charset in [Charset::Utf8, Charset::Gbk] {
        for (name, seed) in corpus("gateway_answers") {
            let seed = String::from_utf8(seed).unwrap();
            let (method, node) = seed.split_once('\n').expect("method, newline, node");
            let node_name = format!("{}_response", method.replace('.', "_"));
            let body = sign_response_node(&node_name, node, &key, SignType::Rsa2, charset).unwrap();
            let answer = verify_response(&body, method, charset, &public, SignType::Rsa2);
            assert!(answer.is_ok(), "{name}: the seed itself does not verify");
            let seed = format!("{charset:?}\n{method}\n{node}");
            signed.push((
                name.clone(),
                [seed.into_bytes(), body.into_bytes()].join(&0u8),
            ));
        }
    }
    runner()
        .run(
            &(
                proptest::sample::select(signed),
                proptest::collection::vec(edit(), 1..6),
            ),
            |((name, packed), edits)| {
                let (seed, body) = packed.split_at(packed.iter().position(|b| *b == 0).unwrap());
                let seed = String::from_utf8_lossy(seed);
                let mut parts = seed.splitn(3, '\n');
                let charset = if parts.next() == Some("Gbk") {
                    Charset::Gbk
                } else {
                    Charset::Utf8
                };
                let (method, node) = (parts.next().unwrap(), parts.next().unwrap());
                let changed = apply(&body[1..], &edits);
                let text = String::from_utf8_lossy(&changed);
                if let Ok(found) = verify_response(&text, method, charset, &public, SignType::Rsa2)
                {
                    let plain = |s: &str| s.replace("\\/", "/");
                    prop_assert_eq!(
                        plain(found.raw),
                        plain(node),
                        "{}: a changed node verified",
                        name
                    );
                }
                Ok(())
            },
        )
        .unwrap();
}
