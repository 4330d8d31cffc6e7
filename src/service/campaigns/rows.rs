//! A campaign's recipients file, read as it streams in: CSV with a header row, or JSON
//! lines. Each row becomes a JSON object of request fields (CSV headers are dotted paths,
//! `recipient.login_id`, `params.name`); a row that cannot be read is reported with its
//! line number and the rest go on.

use serde_json::{Map, Value};

use super::charset::{CharsetDetection, CharsetRule, FileCharset, RawRow, Released};

/// The UTF-8 byte order mark Excel writes at the start of a "CSV UTF-8" file.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Why a file cannot be read on: a row passed the row limit inside a quoted CSV cell, so
/// where it ends cannot be known without reading on without bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotedRowTooLong {
    pub line: i32,
    pub max_row_bytes: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowFormat {
    Csv,
    JsonLines,
}

impl RowFormat {
    /// From a request's content type: `text/csv`, or `application/x-ndjson` /
    /// `application/jsonl` / `application/json-lines`.
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let essence = content_type.split(';').next()?.trim().to_ascii_lowercase();
        match essence.as_str() {
            "text/csv" => Some(Self::Csv),
            "application/x-ndjson" | "application/jsonl" | "application/json-lines" => {
                Some(Self::JsonLines)
            }
            _ => None,
        }
    }
}

/// One row of the file: its first line's number and its fields, or why it cannot be read.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRow {
    pub line: i32,
    pub fields: Result<Map<String, Value>, String>,
}

/// Reads rows out of chunks of a file, holding only the row being read.
pub struct RowReader {
    format: RowFormat,
    /// Bare column names that mean a recipient field (`login_id` → `recipient.login_id`).
    recipient_fields: &'static [&'static str],
    header: Option<Vec<String>>,
    /// The file's charset, declared or being detected.
    charset: CharsetDetection,
    /// Longest accepted row in bytes, newlines inside quoted cells included: a longer one
    /// is reported and skipped, or (inside a quoted cell) ends the reading.
    max_row_bytes: usize,
    pending: Vec<u8>,
    /// Whether the row read so far ends inside a quoted CSV cell: kept byte by byte (an
    /// escaped `""` toggles it twice), never recounted.
    in_quote: bool,
    /// The physical line `pending` starts on, and the next line's number.
    row_line: i32,
    next_line: i32,
    oversized: bool,
}

impl RowReader {
    pub fn new(
        format: RowFormat,
        charset: CharsetRule,
        recipient_fields: &'static [&'static str],
        max_row_bytes: usize,
    ) -> Self {
        Self {
            format,
            recipient_fields,
            header: None,
            charset: CharsetDetection::new(charset),
            max_row_bytes,
            pending: Vec::new(),
            in_quote: false,
            row_line: 1,
            next_line: 1,
            oversized: false,
        }
    }

    /// The rows completed by `chunk`; `Err` when a row passes the limit inside a quoted
    /// cell. Linear in the chunk, holding at most one row of `max_row_bytes`.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<ParsedRow>, QuotedRowTooLong> {
        let mut rows = Vec::new();
        for &byte in chunk {
            match byte {
                b'\n' => {
                    self.next_line += 1;
                    // A newline inside a quoted CSV cell belongs to the row.
                    if !self.in_quote {
                        rows.extend(self.take_row());
                        continue;
                    }
                }
                b'"' if self.format == RowFormat::Csv => self.in_quote = !self.in_quote,
                _ => {}
            }
            if self.pending.len() < self.max_row_bytes {
                self.pending.push(byte);
            } else if self.in_quote {
                return Err(QuotedRowTooLong {
                    line: self.row_line,
                    max_row_bytes: self.max_row_bytes,
                });
            } else {
                self.oversized = true;
            }
        }
        Ok(rows)
    }

    /// The last row, when the file does not end with a newline.
    pub fn finish(&mut self) -> Vec<ParsedRow> {
        let mut rows = self.take_row();
        let held = self.charset.finish();
        rows.extend(self.parse(held));
        if self.header.is_none() && self.format == RowFormat::Csv {
            rows.push(ParsedRow {
                line: 1,
                fields: Err("the file has no header row".into()),
            });
        }
        rows
    }

    /// The row ended by a newline (or the file's end), and any rows its charset released.
    fn take_row(&mut self) -> Vec<ParsedRow> {
        let mut bytes = std::mem::take(&mut self.pending);
        let line = std::mem::replace(&mut self.row_line, self.next_line);
        let raw = if std::mem::take(&mut self.oversized) {
            RawRow::TooLong { line }
        } else {
            if line == 1 && bytes.starts_with(UTF8_BOM) {
                // Before detection: a BOM followed by GBK text is not UTF-8 text.
                bytes.drain(..UTF8_BOM.len());
            }
            RawRow::Bytes { line, bytes }
        };
        let released = self.charset.admit(raw);
        self.parse(released)
    }

    fn parse(&mut self, released: Released) -> Vec<ParsedRow> {
        let charset = released.charset;
        released
            .rows
            .into_iter()
            .filter_map(|row| self.parse_row(row, charset))
            .collect()
    }

    fn parse_row(&mut self, row: RawRow, charset: FileCharset) -> Option<ParsedRow> {
        let (line, bytes) = match row {
            RawRow::Bytes { line, bytes } => (line, bytes),
            RawRow::TooLong { line } => {
                let fields = Err(format!(
                    "the row is longer than {} bytes (campaigns.max_row_bytes)",
                    self.max_row_bytes
                ));
                return Some(ParsedRow { line, fields });
            }
        };
        let text = match charset.decode(&bytes) {
            Ok(text) => text,
            Err(detail) => {
                return Some(ParsedRow {
                    line,
                    fields: Err(detail),
                })
            }
        };
        // A GB18030 byte order mark decodes to U+FEFF.
        let text = text.trim_start_matches('\u{feff}').trim_end_matches('\r');
        if text.trim().is_empty() {
            return None;
        }
        let fields = match self.format {
            RowFormat::JsonLines => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(object)) => Ok(object),
                Ok(_) => Err("the line is not a JSON object".into()),
                Err(error) => Err(format!("the line is not JSON: {error}")),
            },
            RowFormat::Csv => {
                let cells = match split_csv(text) {
                    Ok(cells) => cells,
                    Err(error) => {
                        return Some(ParsedRow {
                            line,
                            fields: Err(error),
                        })
                    }
                };
                match &self.header {
                    None => {
                        self.header = Some(cells);
                        return None;
                    }
                    Some(header) => self.object_of(header, cells),
                }
            }
        };
        Some(ParsedRow { line, fields })
    }

    /// A CSV row as an object: dotted headers nest, empty cells are left out.
    fn object_of(
        &self,
        header: &[String],
        cells: Vec<String>,
    ) -> Result<Map<String, Value>, String> {
        if cells.len() != header.len() {
            return Err(format!(
                "the row has {} cells, the header {}",
                cells.len(),
                header.len()
            ));
        }
        let mut object = Map::new();
        for (name, cell) in header.iter().zip(cells) {
            if cell.is_empty() {
                continue;
            }
            let path = if self.recipient_fields.contains(&name.as_str()) {
                format!("recipient.{name}")
            } else {
                name.clone()
            };
            insert_path(&mut object, &path, Value::String(cell))?;
        }
        Ok(object)
    }
}

/// RFC 4180 cells of one row.
fn split_csv(text: &str) -> Result<Vec<String>, String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut closed = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => {
                quoted = false;
                closed = true;
            }
            (true, c) => cell.push(c),
            (false, ',') => {
                cells.push(std::mem::take(&mut cell));
                closed = false;
            }
            (false, '"') if cell.is_empty() && !closed => quoted = true,
            (false, _) if closed => return Err("text after a closing quote".into()),
            (false, c) => cell.push(c),
        }
    }
    if quoted {
        return Err("a quoted cell is not closed".into());
    }
    cells.push(cell);
    Ok(cells.into_iter().map(|c| c.trim().to_owned()).collect())
}

/// Sets `a.b.c` in `object`, creating the objects on the way.
fn insert_path(object: &mut Map<String, Value>, path: &str, value: Value) -> Result<(), String> {
    let mut parts = path.split('.').peekable();
    let mut here = object;
    while let Some(part) = parts.next() {
        if part.is_empty() {
            return Err(format!("`{path}` is not a field path"));
        }
        if parts.peek().is_none() {
            here.insert(part.to_owned(), value);
            return Ok(());
        }
        let next = here
            .entry(part.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        here = next
            .as_object_mut()
            .ok_or_else(|| format!("`{path}` nests inside a plain value"))?;
    }
    Ok(())
}

/// `row` over `shared`: objects merge key by key, the row's values win.
pub fn merged(shared: &Value, row: &Map<String, Value>) -> Map<String, Value> {
    let mut out = shared.as_object().cloned().unwrap_or_default();
    for (key, value) in row {
        match (out.get_mut(key), value) {
            (Some(Value::Object(base)), Value::Object(over)) => {
                let nested = merged(&Value::Object(std::mem::take(base)), over);
                out.insert(key.clone(), Value::Object(nested));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const VOUCHER: &[&str] = &["user_id", "login_id", "taobao_nick"];

    const MAX_ROW_BYTES: usize = 64 * 1024;

    fn read(format: RowFormat, text: &str, chunk: usize) -> Vec<ParsedRow> {
        let mut reader = RowReader::new(format, CharsetRule::Detect, VOUCHER, MAX_ROW_BYTES);
        let mut rows = Vec::new();
        for piece in text.as_bytes().chunks(chunk) {
            rows.extend(reader.push(piece).unwrap());
        }
        rows.extend(reader.finish());
        rows
    }

    #[test]
    fn csv_rows_nest_dotted_headers_and_alias_recipient_columns() {
        let text = "\u{feff}login_id,out_biz_no,params.name\r\na@b.cn,X-1,\"Li, \"\"Lei\"\"\"\r\n";
        for chunk in [1, 3, 1000] {
            let rows = read(RowFormat::Csv, text, chunk);
            assert_eq!(rows.len(), 1, "chunk {chunk}");
            assert_eq!(rows[0].line, 2);
            let fields = Value::Object(rows[0].fields.clone().unwrap());
            assert_eq!(
                fields,
                json!({"recipient": {"login_id": "a@b.cn"}, "out_biz_no": "X-1",
                       "params": {"name": "Li, \"Lei\""}})
            );
        }
    }

    #[test]
    fn a_bad_csv_row_is_reported_with_its_line_and_the_rest_go_on() {
        let text = "user_id,memo\n2088,ok\n2089,\"multi\nline\"\n2090\n\n2091,fine";
        let rows = read(RowFormat::Csv, text, 4);
        let lines: Vec<i32> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![2, 3, 5, 7]);
        assert_eq!(
            rows[1].fields.as_ref().unwrap()["memo"],
            json!("multi\nline")
        );
        assert!(rows[2].fields.as_ref().unwrap_err().contains("1 cells"));
        assert!(rows[3].fields.is_ok());
    }

    fn read_bytes(charset: CharsetRule, bytes: &[u8], chunk: usize) -> Vec<ParsedRow> {
        let mut reader = RowReader::new(RowFormat::Csv, charset, VOUCHER, MAX_ROW_BYTES);
        let mut rows = Vec::new();
        for piece in bytes.chunks(chunk) {
            rows.extend(reader.push(piece).unwrap());
        }
        rows.extend(reader.finish());
        rows
    }

    #[test]
    fn gbk_rows_read_as_gbk_declared_or_detected_with_or_without_a_bom() {
        let text = "user_id,memo\r\n2088,王小明\r\n2089,\"春节, 快乐\"\r\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let with_bom = [UTF8_BOM, &gbk].concat();
        let gb18030 = CharsetRule::Declared(FileCharset::Gb18030);
        for (rule, file) in [
            (CharsetRule::Detect, &gbk[..]),
            (CharsetRule::Detect, &with_bom[..]),
            (gb18030, &gbk[..]),
            (gb18030, &with_bom[..]),
        ] {
            for chunk in [1, 2, 7, 4096] {
                let rows = read_bytes(rule, file, chunk);
                let memos: Vec<&Value> = rows
                    .iter()
                    .map(|row| &row.fields.as_ref().unwrap()["memo"])
                    .collect();
                assert_eq!(memos, [&json!("王小明"), &json!("春节, 快乐")], "{rule:?}");
            }
        }
        // Declared UTF-8, the GBK rows are refused by line.
        let rows = read_bytes(CharsetRule::Declared(FileCharset::Utf8), &gbk, 5);
        assert!(rows[0].fields.as_ref().unwrap_err().contains("not UTF-8"));
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn a_gbk_row_that_happens_to_be_utf8_is_held_until_the_file_shows_its_charset() {
        // 隆 in GBK is 0xC2 0xA1, which is also ¡ in UTF-8; 张 (0xD5 0xC5) is not UTF-8.
        let (gbk, _, _) = encoding_rs::GBK.encode("user_id,memo\n1,隆\n2,张\n");
        for chunk in [1, 3, 64] {
            let rows = read_bytes(CharsetRule::Detect, &gbk, chunk);
            let memos: Vec<&Value> = rows
                .iter()
                .map(|row| &row.fields.as_ref().unwrap()["memo"])
                .collect();
            assert_eq!(memos, [&json!("隆"), &json!("张")]);
        }
        // Declared UTF-8, the first is ¡ as declared.
        let rows = read_bytes(CharsetRule::Declared(FileCharset::Utf8), &gbk, 64);
        assert_eq!(rows[0].fields.as_ref().unwrap()["memo"], json!("¡"));
    }

    #[test]
    fn json_lines_must_be_objects() {
        let text = "{\"out_biz_no\": \"A\"}\n[1]\nnot json\n";
        let rows = read(RowFormat::JsonLines, text, 5);
        assert_eq!(rows.len(), 3);
        assert!(rows[0].fields.is_ok());
        assert!(rows[1]
            .fields
            .as_ref()
            .unwrap_err()
            .contains("not a JSON object"));
        assert!(rows[2].fields.as_ref().unwrap_err().contains("not JSON"));
        assert_eq!(rows[2].line, 3);
    }

    #[test]
    fn an_oversized_row_is_reported_and_skipped() {
        let text = format!("user_id\n{}\n2088\n", "9".repeat(MAX_ROW_BYTES + 10));
        let rows = read(RowFormat::Csv, &text, 4096);
        assert!(rows[0].fields.as_ref().unwrap_err().contains("longer"));
        assert_eq!(rows[1].line, 3);
        assert!(rows[1].fields.is_ok());
    }

    #[test]
    fn newlines_inside_an_open_quote_count_toward_the_row_limit() {
        let mut reader = RowReader::new(RowFormat::Csv, CharsetRule::Detect, VOUCHER, 1_024);
        let mut text = b"user_id\n2088,\"".to_vec();
        text.extend(std::iter::repeat_n(b'\n', 4 * 1024 * 1024));
        let started = std::time::Instant::now();
        let mut refused = None;
        for piece in text.chunks(8 * 1024) {
            if let Err(error) = reader.push(piece) {
                refused = Some(error);
                break;
            }
        }
        let expected = QuotedRowTooLong {
            line: 2,
            max_row_bytes: 1_024,
        };
        assert_eq!(refused, Some(expected));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn a_quote_closed_within_the_limit_keeps_its_newlines() {
        let rows = read(RowFormat::Csv, "user_id,memo\n1,\"a\n\nb\"\n2,c\n", 3);
        assert_eq!(rows[0].fields.as_ref().unwrap()["memo"], json!("a\n\nb"));
        assert_eq!((rows[1].line, rows.len()), (5, 2));
    }

    #[test]
    fn unclosed_and_trailing_quotes_are_errors() {
        assert!(split_csv("\"a\"b,c").is_err());
        assert_eq!(split_csv("a,,b").unwrap(), vec!["a", "", "b"]);
    }

    #[test]
    fn rows_override_shared_fields_deeply() {
        let shared = json!({"memo": "m", "recipient": {"user_id": "1"}, "params": {"a": "x"}});
        let row = json!({"params": {"b": "y"}, "memo": "n"});
        let out = merged(&shared, row.as_object().unwrap());
        assert_eq!(
            Value::Object(out),
            json!({"memo": "n", "recipient": {"user_id": "1"}, "params": {"a": "x", "b": "y"}})
        );
    }

    #[test]
    fn content_types_choose_the_format() {
        assert_eq!(
            RowFormat::from_content_type("text/csv; charset=utf-8"),
            Some(RowFormat::Csv)
        );
        assert_eq!(
            RowFormat::from_content_type("application/x-ndjson"),
            Some(RowFormat::JsonLines)
        );
        assert_eq!(RowFormat::from_content_type("application/json"), None);
    }
}
