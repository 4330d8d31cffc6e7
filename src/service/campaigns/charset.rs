//! The text encoding of a campaign file. Excel on a Chinese system saves CSV as GBK, so a
//! file is read as the charset its upload declares (UTF-8, or GBK / GB2312 / GB18030, all
//! read as GB18030, their superset) or, when none is declared, as UTF-8 while its rows are
//! UTF-8 and as GB18030 from the first evidence that they are not.
//!
//! Rows are split on the bytes `\n` and `"` before they are decoded: no multi-byte
//! character of GB18030 contains either, so the split is right in both charsets.

use std::borrow::Cow;

use encoding_rs::{Encoding, GB18030, GBK, UTF_8};

/// Non-ASCII bytes, all valid UTF-8, after which an undeclared file is taken as UTF-8: a
/// single GBK character is valid UTF-8 by chance about one time in ten, GBK text this long
/// never is.
const UTF8_EVIDENCE_BYTES: usize = 64;
/// Row bytes held while an undeclared file's charset is undecided; past this it is taken as
/// UTF-8, so the reader holds a bounded amount whatever the file.
const HOLD_BYTES: usize = 64 * 1024;

/// A charset the reader decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileCharset {
    Utf8,
    /// GB18030, and so GBK and GB2312, its subsets.
    Gb18030,
}

/// What an upload says of its file's charset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharsetRule {
    Declared(FileCharset),
    /// Nothing declared: UTF-8 unless the rows show otherwise.
    Detect,
}

/// A declared charset the reader does not decode (its label as given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCharset(pub String);

impl CharsetRule {
    /// From a content type's `charset` parameter (`text/csv; charset=GBK`); none: detect.
    pub fn from_content_type(content_type: &str) -> Result<Self, UnknownCharset> {
        let label = content_type.split(';').skip(1).find_map(|parameter| {
            let (name, value) = parameter.split_once('=')?;
            let value = value.trim().trim_matches('"');
            name.trim().eq_ignore_ascii_case("charset").then_some(value)
        });
        let Some(label) = label else {
            return Ok(Self::Detect);
        };
        // WHATWG labels: `utf8`, `gb2312`, `cp936`, `x-gbk`… name the same decoders.
        match Encoding::for_label(label.as_bytes()) {
            Some(encoding) if encoding == UTF_8 => Ok(Self::Declared(FileCharset::Utf8)),
            Some(encoding) if encoding == GBK || encoding == GB18030 => {
                Ok(Self::Declared(FileCharset::Gb18030))
            }
            _ => Err(UnknownCharset(label.to_owned())),
        }
    }
}

impl FileCharset {
    /// A row's text, or why it cannot be read. Malformed bytes are an error, never a
    /// replacement character in a recipient's name.
    pub fn decode(self, bytes: &[u8]) -> Result<Cow<'_, str>, String> {
        match self {
            Self::Utf8 => std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|_| {
                "the row is not UTF-8 (declare the file's charset: text/csv; charset=GBK)".into()
            }),
            Self::Gb18030 => GB18030
                .decode_without_bom_handling_and_without_replacement(bytes)
                .ok_or_else(|| "the row is not GB18030 (GBK) text".into()),
        }
    }
}

/// A row as split from the file, before it is decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawRow {
    Bytes {
        line: i32,
        bytes: Vec<u8>,
    },
    /// Longer than the row limit: skipped, reported.
    TooLong {
        line: i32,
    },
}

/// Rows released in file order, with the charset to decode them in.
pub struct Released {
    pub charset: FileCharset,
    pub rows: Vec<RawRow>,
}

/// Decides an undeclared file's charset from its rows, holding the rows that do not tell
/// yet (bounded by [`HOLD_BYTES`]) so every row is decoded in the charset of the file.
pub struct CharsetDetection {
    state: Detection,
}

enum Detection {
    Known(FileCharset),
    Undecided {
        held: Vec<RawRow>,
        held_bytes: usize,
        utf8_evidence: usize,
    },
}

impl CharsetDetection {
    pub fn new(rule: CharsetRule) -> Self {
        let state = match rule {
            CharsetRule::Declared(charset) => Detection::Known(charset),
            CharsetRule::Detect => Detection::Undecided {
                held: Vec::new(),
                held_bytes: 0,
                utf8_evidence: 0,
            },
        };
        Self { state }
    }

    /// The rows whose charset is known once `row` is seen.
    pub fn admit(&mut self, row: RawRow) -> Released {
        let Detection::Undecided {
            held,
            held_bytes,
            utf8_evidence,
        } = &mut self.state
        else {
            return self.release(vec![row]);
        };
        let RawRow::Bytes { bytes, .. } = &row else {
            if held.is_empty() {
                return self.release(vec![row]);
            }
            held.push(row);
            return Released::none();
        };
        if std::str::from_utf8(bytes).is_err() {
            let mut rows = std::mem::take(held);
            rows.push(row);
            self.state = Detection::Known(FileCharset::Gb18030);
            return self.release(rows);
        }
        let non_ascii = bytes.iter().filter(|byte| !byte.is_ascii()).count();
        if held.is_empty() && non_ascii == 0 {
            // ASCII reads the same in both charsets: nothing to wait for.
            return Released {
                charset: FileCharset::Utf8,
                rows: vec![row],
            };
        }
        *held_bytes += bytes.len();
        *utf8_evidence += non_ascii;
        held.push(row);
        if *utf8_evidence >= UTF8_EVIDENCE_BYTES || *held_bytes >= HOLD_BYTES {
            return self.finish();
        }
        Released::none()
    }

    /// At the end of the file (or of the evidence): what is held is UTF-8.
    pub fn finish(&mut self) -> Released {
        match &mut self.state {
            Detection::Known(_) => Released::none(),
            Detection::Undecided { held, .. } => {
                let rows = std::mem::take(held);
                self.state = Detection::Known(FileCharset::Utf8);
                self.release(rows)
            }
        }
    }

    fn release(&self, rows: Vec<RawRow>) -> Released {
        let charset = match self.state {
            Detection::Known(charset) => charset,
            Detection::Undecided { .. } => FileCharset::Utf8,
        };
        Released { charset, rows }
    }
}

impl Released {
    fn none() -> Self {
        Self {
            charset: FileCharset::Utf8,
            rows: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_charsets_are_read_by_their_labels() {
        let rule = |ct: &str| CharsetRule::from_content_type(ct);
        let gb = Ok(CharsetRule::Declared(FileCharset::Gb18030));
        assert_eq!(rule("text/csv; charset=GBK"), gb);
        assert_eq!(rule("text/csv;charset=\"gb2312\""), gb);
        assert_eq!(rule("text/csv; Charset=GB18030"), gb);
        let utf8 = Ok(CharsetRule::Declared(FileCharset::Utf8));
        assert_eq!(rule("text/csv; charset=utf-8"), utf8);
        assert_eq!(rule("text/csv"), Ok(CharsetRule::Detect));
        assert_eq!(
            rule("text/csv; charset=shift_jis"),
            Err(UnknownCharset("shift_jis".into()))
        );
        assert!(rule("text/csv; charset=klingon").is_err());
    }

    fn row(line: i32, bytes: &[u8]) -> RawRow {
        RawRow::Bytes {
            line,
            bytes: bytes.to_vec(),
        }
    }

    #[test]
    fn the_first_row_that_is_not_utf8_makes_the_held_rows_gb18030() {
        // 张 in GBK, 0xD5 0xC5, is not UTF-8.
        let (gbk, _, _) = GBK.encode("张");
        let mut detection = CharsetDetection::new(CharsetRule::Detect);
        let first = detection.admit(row(1, b"user_id,memo"));
        assert_eq!(first.rows.len(), 1, "ASCII passes at once");
        // Valid UTF-8 with a little non-ASCII text: held, not enough to tell.
        assert!(detection.admit(row(2, "1,é".as_bytes())).rows.is_empty());
        let released = detection.admit(row(3, &gbk));
        assert_eq!(released.charset, FileCharset::Gb18030);
        assert_eq!(released.rows.len(), 2);
        let later = detection.admit(row(4, b"2,x"));
        assert_eq!(later.charset, FileCharset::Gb18030);
        assert_eq!(
            FileCharset::Gb18030.decode(&gbk).unwrap(),
            "张",
            "the GBK text decodes"
        );
    }

    #[test]
    fn enough_utf8_text_or_the_end_of_the_file_decides_utf8() {
        let mut detection = CharsetDetection::new(CharsetRule::Detect);
        let long = "春".repeat(UTF8_EVIDENCE_BYTES / 3 + 1);
        let released = detection.admit(row(1, long.as_bytes()));
        assert_eq!(
            (released.charset, released.rows.len()),
            (FileCharset::Utf8, 1)
        );
        let mut short = CharsetDetection::new(CharsetRule::Detect);
        assert!(short.admit(row(1, "é".as_bytes())).rows.is_empty());
        let end = short.finish();
        assert_eq!((end.charset, end.rows.len()), (FileCharset::Utf8, 1));
    }

    #[test]
    fn malformed_bytes_are_an_error_in_either_charset() {
        assert!(FileCharset::Utf8.decode(b"\xff").is_err());
        assert!(FileCharset::Gb18030.decode(b"\xff").is_err());
    }
}
