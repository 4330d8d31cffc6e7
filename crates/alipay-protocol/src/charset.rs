//! The request charset (`charset` public parameter). Alipay signs and verifies the bytes of
//! the sign string in this charset, so a lossy conversion is a signature mismatch waiting
//! to happen: everything here refuses rather than substitutes.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use encoding_rs::{DecoderResult, EncoderResult, GBK};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Charset {
    Utf8,
    Gbk,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CharsetError {
    #[error("unknown charset {0:?}: use utf-8 or GBK")]
    Unknown(String),
    /// Names only the offending character, never the whole text (which may be customer data).
    #[error(
        "character {ch:?} (U+{code:04X}) at character position {position} cannot be encoded \
         in {charset}",
        code = u32::from(*ch)
    )]
    Unencodable {
        charset: &'static str,
        ch: char,
        position: usize,
    },
    #[error("malformed {charset} input at byte {offset}")]
    Malformed {
        charset: &'static str,
        offset: usize,
    },
}

impl Charset {
    /// The value sent as the `charset` parameter.
    pub fn as_str(&self) -> &'static str {
        match self {
            Charset::Utf8 => "utf-8",
            Charset::Gbk => "GBK",
        }
    }

    /// The text as bytes in this charset; refuses characters GBK cannot represent instead
    /// of emitting HTML numeric character references as the web encoders do.
    pub fn encode<'a>(&self, text: &'a str) -> Result<Cow<'a, [u8]>, CharsetError> {
        match self {
            Charset::Utf8 => Ok(Cow::Borrowed(text.as_bytes())),
            Charset::Gbk => {
                let (bytes, _, had_errors) = GBK.encode(text);
                if had_errors {
                    return Err(first_unencodable(text));
                }
                Ok(bytes)
            }
        }
    }

    /// The text these bytes spell in this charset; malformed input is an error, never U+FFFD.
    pub fn decode<'a>(&self, bytes: &'a [u8]) -> Result<Cow<'a, str>, CharsetError> {
        match self {
            Charset::Utf8 => {
                std::str::from_utf8(bytes)
                    .map(Cow::Borrowed)
                    .map_err(|e| CharsetError::Malformed {
                        charset: self.as_str(),
                        offset: e.valid_up_to(),
                    })
            }
            Charset::Gbk => {
                if let Some(text) = GBK.decode_without_bom_handling_and_without_replacement(bytes) {
                    return Ok(text);
                }
                Err(CharsetError::Malformed {
                    charset: self.as_str(),
                    offset: gbk_malformed_offset(bytes),
                })
            }
        }
    }
}

impl fmt::Display for Charset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Charset {
    type Err = CharsetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        if ["utf-8", "utf8"]
            .iter()
            .any(|name| trimmed.eq_ignore_ascii_case(name))
        {
            Ok(Charset::Utf8)
        } else if ["gbk", "gb2312"]
            .iter()
            .any(|name| trimmed.eq_ignore_ascii_case(name))
        {
            Ok(Charset::Gbk)
        } else {
            // Bounded so a pasted secret in the wrong setting does not end up in logs whole.
            Err(CharsetError::Unknown(trimmed.chars().take(16).collect()))
        }
    }
}

/// Whether every character of `s` has a GBK encoding (what the GBK charset can carry).
pub fn gbk_encodable(s: &str) -> bool {
    !GBK.encode(s).2
}

fn first_unencodable(text: &str) -> CharsetError {
    let mut encoder = GBK.new_encoder();
    let mut buffer = [0u8; 16];
    for (position, ch) in text.chars().enumerate() {
        let mut utf8 = [0u8; 4];
        let (result, _, _) = encoder.encode_from_utf8_without_replacement(
            ch.encode_utf8(&mut utf8),
            &mut buffer,
            false,
        );
        if let EncoderResult::Unmappable(ch) = result {
            return CharsetError::Unencodable {
                charset: Charset::Gbk.as_str(),
                ch,
                position,
            };
        }
    }
    // Only reachable if encoding_rs disagreed with itself; still name no text.
    CharsetError::Unencodable {
        charset: Charset::Gbk.as_str(),
        ch: char::REPLACEMENT_CHARACTER,
        position: 0,
    }
}

fn gbk_malformed_offset(bytes: &[u8]) -> usize {
    let mut decoder = GBK.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(
        decoder
            .max_utf8_buffer_length_without_replacement(bytes.len())
            .unwrap_or(bytes.len().saturating_mul(3)),
    );
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    match result {
        // `read` counts the malformed bytes and those after them that were consumed.
        DecoderResult::Malformed(bad, after) => {
            read.saturating_sub(usize::from(after) + usize::from(bad))
        }
        DecoderResult::InputEmpty | DecoderResult::OutputFull => read,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_case_insensitively() {
        for name in ["utf-8", "UTF-8", "utf8", "Utf8"] {
            assert_eq!(name.parse::<Charset>().unwrap(), Charset::Utf8);
        }
        for name in ["gbk", "GBK", "gb2312", "GB2312"] {
            assert_eq!(name.parse::<Charset>().unwrap(), Charset::Gbk);
        }
        assert!("latin1".parse::<Charset>().is_err());
        assert!("".parse::<Charset>().is_err());
        assert_eq!(Charset::Utf8.as_str(), "utf-8");
        assert_eq!(Charset::Gbk.as_str(), "GBK");
    }

    #[test]
    fn gbk_round_trips_cjk() {
        let text = "会员卡 No.1 – 中文€";
        let bytes = Charset::Gbk.encode(text).unwrap();
        assert_eq!(&bytes[..6], &[0xbb, 0xe1, 0xd4, 0xb1, 0xbf, 0xa8]);
        assert_eq!(Charset::Gbk.decode(&bytes).unwrap(), text);
        assert!(gbk_encodable(text));
    }

    #[test]
    fn gbk_refuses_unencodable_and_names_only_that_character() {
        let text = "会员卡😀 secret-customer-text";
        let err = Charset::Gbk.encode(text).unwrap_err();
        assert_eq!(
            err,
            CharsetError::Unencodable {
                charset: "GBK",
                ch: '😀',
                position: 3
            }
        );
        let shown = err.to_string();
        assert!(shown.contains("U+1F600"), "{shown}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(!shown.contains("&#"), "{shown}");
        assert!(!gbk_encodable(text));
        // UTF-8 carries everything.
        assert_eq!(&*Charset::Utf8.encode(text).unwrap(), text.as_bytes());
    }

    #[test]
    fn decode_refuses_malformed_input() {
        assert_eq!(
            Charset::Utf8.decode(b"ok\xffno").unwrap_err(),
            CharsetError::Malformed {
                charset: "utf-8",
                offset: 2
            }
        );
        // 0xbb must be followed by a trail byte.
        let err = Charset::Gbk.decode(b"abc\xbb\x20").unwrap_err();
        assert_eq!(
            err,
            CharsetError::Malformed {
                charset: "GBK",
                offset: 3
            }
        );
        let err = Charset::Gbk.decode(b"abc\xbb").unwrap_err();
        assert!(matches!(err, CharsetError::Malformed { offset: 3, .. }));
    }
}
