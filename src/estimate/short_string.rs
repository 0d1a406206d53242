//! The record format's "short strings": which strings Neo4j inlines in a
//! property record, and in how many 8-byte blocks. Facts from the 5.x
//! `LongerShortString` and `ShortStringCodec` sources (our own code): a
//! 39-bit header, then 4–8 bits per character in the first codec that holds
//! every character, at most 4 blocks.

/// A short-string codec: bits per character and the characters it holds.
struct Codec {
    bits: u32,
    /// Dropped for strings longer than 36 characters (the 6-bit limit).
    large: bool,
    accepts: fn(char) -> bool,
}

/// The record format's short-string codecs, in the order Neo4j tries them.
const CODECS: [Codec; 11] = [
    // NUMERICAL: digits, space and . - + , '
    Codec {
        bits: 4,
        large: false,
        accepts: |c| c.is_ascii_digit() || " .-+,'".contains(c),
    },
    // DATE: digits, space and - : / + ,
    Codec {
        bits: 4,
        large: false,
        accepts: |c| c.is_ascii_digit() || " -:/+,".contains(c),
    },
    // UPPER
    Codec {
        bits: 5,
        large: false,
        accepts: |c| c.is_ascii_uppercase() || " _.-:/".contains(c),
    },
    // LOWER
    Codec {
        bits: 5,
        large: false,
        accepts: |c| c.is_ascii_lowercase() || " _.-:/".contains(c),
    },
    // EMAIL
    Codec {
        bits: 5,
        large: false,
        accepts: |c| c.is_ascii_lowercase() || ",_.-+@".contains(c),
    },
    // URI: lower case, digits and many symbols
    Codec {
        bits: 6,
        large: true,
        accepts: |c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || " _.-:/+,'@|;*?&%#()$<>=".contains(c)
        },
    },
    // ALPHANUM
    Codec {
        bits: 6,
        large: true,
        accepts: |c| c.is_ascii_alphanumeric() || " _".contains(c),
    },
    // ALPHASYM: letters and symbols, no digits
    Codec {
        bits: 6,
        large: true,
        accepts: |c| c.is_ascii_alphabetic() || " _.-:/;+,'@|".contains(c),
    },
    // EUROPEAN: alphanumerics, space _ . - and Latin-1 letters
    Codec {
        bits: 7,
        large: true,
        accepts: |c| {
            c.is_ascii_alphanumeric()
                || " _.-".contains(c)
                || (('\u{c0}'..='\u{ff}').contains(&c) && c != '\u{d7}' && c != '\u{f7}')
        },
    },
    // LOWERHEX
    Codec {
        bits: 4,
        large: false,
        accepts: |c| c.is_ascii_digit() || ('a'..='f').contains(&c),
    },
    // UPPERHEX
    Codec {
        bits: 4,
        large: false,
        accepts: |c| c.is_ascii_digit() || ('A'..='F').contains(&c),
    },
];

/// Blocks for a short string of `bits` payload bits (39 header bits).
fn short_blocks(bits: u32) -> u32 {
    (39 + bits).div_ceil(64)
}

/// Property blocks of `s` when Neo4j can inline it as a short string (at most
/// 4 blocks), else `None` (dynamic string store).
pub(super) fn short_string_blocks(s: &str) -> Option<u32> {
    // Length in UTF-16 units, as Java counts it.
    let len = crate::cast::small(s.encode_utf16().count());
    // 256 payload bits minus 38 header bits, at 4 bits per character.
    if len > 54 {
        return None;
    }
    for c in &CODECS {
        let max = (256 - 38) / c.bits;
        if len > max || (c.large && len > 36) {
            continue;
        }
        if s.chars().all(c.accepts) {
            return Some(short_blocks(len * c.bits));
        }
    }
    // Latin-1 or UTF-8, 8 bits per character or byte, up to 27.
    if len <= 27 {
        if s.chars().all(|c| (c as u32) < 256) {
            return Some(short_blocks(len * 8));
        }
        let bytes = crate::cast::small(s.len());
        if bytes <= 27 {
            return Some(short_blocks(bytes * 8));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_strings_follow_the_codecs() {
        // 13 characters of lower case, digits and '-': URI, 6 bits each:
        // 39 + 78 = 117 bits -> 2 blocks.
        assert_eq!(short_string_blocks("srv-000000042"), Some(2));
        // Digits and dots: NUMERICAL, 4 bits: 39 + 40 = 79 -> 2 blocks.
        assert_eq!(short_string_blocks("10.12.0.254"), Some(2));
        // Empty and tiny strings fit the first block.
        assert_eq!(short_string_blocks(""), Some(1));
        assert_eq!(short_string_blocks("prod"), Some(1));
        // Mixed case with a space: ALPHANUM, 6 bits: 39 + 13*6 = 117 -> 2.
        assert_eq!(short_string_blocks("Customer Port"), Some(2));
        // 36 alphanumerics: 39 + 216 = 255 bits -> 4 blocks; 37 do not fit
        // any 6-bit codec and are too long for Latin-1 (27).
        let s36 = "A".repeat(20) + &"b".repeat(16);
        assert_eq!(short_string_blocks(&s36), Some(4));
        let s37 = "A".repeat(20) + &"b".repeat(17);
        assert_eq!(short_string_blocks(&s37), None);
        // Upper case only: 5 bits, up to 43 characters.
        assert_eq!(short_string_blocks(&"X".repeat(43)), Some(4));
        assert_eq!(short_string_blocks(&"X".repeat(44)), None);
        // A comma and capitals: no codec (ALPHASYM has no digits but takes
        // the comma; with a digit it needs Latin-1).
        assert_eq!(short_string_blocks("Billing, Inc 3"), Some(3));
        // Non-Latin-1 text: UTF-8 bytes, at most 27.
        assert_eq!(short_string_blocks("日本"), Some(2));
        assert_eq!(short_string_blocks(&"日".repeat(10)), None);
        // Latin-1 letters: EUROPEAN, 7 bits.
        assert_eq!(short_string_blocks("Zürich"), Some(2));
    }
}
