//! The text of generated values, shared by every writer and by the core
//! (ids inside natural keys, JSON reports): decimal numbers without a
//! formatting call, zero-padded ids, ISO-8601 datetimes, two-decimal cents,
//! dotted IPv4 addresses. Plain ASCII with no quoting: a format adds its own.

/// The eight decimal digits of `n` (below 10^8, leading zeros kept) as
/// ASCII in a little-endian word: the first digit is the lowest byte. The
/// digits are split in registers (SWAR: four-digit halves, then two-digit
/// quarters, then single digits, each step one multiply-shift per lane), so
/// no byte goes through a stack array that a wide load would read back.
#[inline]
fn eight_digits(n: u32) -> u64 {
    debug_assert!(n < 100_000_000);
    let n = u64::from(n);
    // [second four digits : first four digits] in two 32-bit lanes.
    let halves = (n / 10_000) | ((n % 10_000) << 32);
    // x * 10486 >> 20 is x / 100 for x < 10^4.
    let hundreds = ((halves * 10_486) >> 20) & 0x7f_0000_007f;
    let pairs = ((halves - 100 * hundreds) << 16) | hundreds;
    // x * 103 >> 10 is x / 10 for x < 100.
    let tens = ((pairs * 103) >> 10) & 0x000f_000f_000f_000f;
    let digits = ((pairs - 10 * tens) << 8) | tens;
    digits | 0x3030_3030_3030_3030
}

/// Appends the low `len` (1..=8) digits of `n` (below 10^8): one 8-byte
/// store cut back to the length.
#[inline]
fn put_short(n: u32, len: usize, out: &mut Vec<u8>) {
    let word = eight_digits(n) >> (8 * (8 - len));
    let at = out.len();
    out.extend_from_slice(&word.to_le_bytes());
    out.truncate(at + len);
}

/// Appends `n` in decimal: below 10^8 as one word of digits; above, the
/// leading digits first and then the last eight as one word.
#[inline]
#[allow(
    clippy::cast_possible_truncation,
    reason = "each part is below 10^8, checked on the way"
)]
pub fn put_u64(n: u64, out: &mut Vec<u8>) {
    if n < 100_000_000 {
        return put_short(n as u32, decimal_len(n), out);
    }
    let (head, tail) = (n / 100_000_000, (n % 100_000_000) as u32);
    if head < 100_000_000 {
        put_short(head as u32, decimal_len(head), out);
    } else {
        // Below 2^64 / 10^16: at most four leading digits.
        let (top, middle) = (head / 100_000_000, (head % 100_000_000) as u32);
        put_short(top as u32, decimal_len(top), out);
        put_short(middle, 8, out);
    }
    put_short(tail, 8, out);
}

/// Appends `i` in decimal, with a `-` when negative.
#[inline]
pub fn put_i64(i: i64, out: &mut Vec<u8>) {
    if i < 0 {
        out.push(b'-');
    }
    put_u64(i.unsigned_abs(), out);
}

/// The number of decimal digits of `n` (1 for 0).
#[inline]
fn decimal_len(n: u64) -> usize {
    // floor(log10) from the bit length, corrected by one comparison.
    let x = n | 1;
    let bits = 64 - x.leading_zeros();
    let guess = (bits * 1233) >> 12;
    let below = POW10.get(guess as usize).is_some_and(|&p| x < p);
    guess as usize + usize::from(!below)
}

/// 10^k for k in 0..20.
static POW10: [u64; 20] = {
    let mut t = [1u64; 20];
    let mut k = 1;
    while k < 20 {
        t[k] = t[k - 1] * 10;
        k += 1;
    }
    t
};

/// Two ASCII digits of every number below 100.
#[allow(clippy::cast_possible_truncation, reason = "single digits")]
static PAIRS: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    t
};

/// Appends `n` zero-padded to at least 9 digits. Below 10^9 the width is
/// fixed: the first digit and the other eight go out in one 16-byte store,
/// cut back to nine.
#[inline]
pub fn put_padded(n: u64, out: &mut Vec<u8>) {
    if n >= 1_000_000_000 {
        return put_u64(n, out);
    }
    #[allow(clippy::cast_possible_truncation, reason = "one digit (n < 10^9)")]
    let first = u128::from(b'0' + (n / 100_000_000) as u8);
    let word = first | u128::from(eight_digits((n % 100_000_000) as u32)) << 8;
    let at = out.len();
    out.extend_from_slice(&word.to_le_bytes());
    out.truncate(at + 9);
}

/// Appends `prefix` + `n` padded: the id of node `n` of a kind.
#[inline]
pub fn put_id(prefix: &str, n: u64, out: &mut Vec<u8>) {
    out.extend_from_slice(prefix.as_bytes());
    put_padded(n, out);
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "day 1..=31 and month 1..=12 by the algorithm"
)]
pub fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[inline]
#[allow(
    clippy::cast_possible_truncation,
    reason = "n < 100 by contract, so single digits"
)]
fn two(n: u32, out: &mut Vec<u8>) {
    out.push(b'0' + (n / 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

/// Appends a UTC datetime as `YYYY-MM-DDTHH:MM:SSZ` (years 0..=9999).
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "seconds of a day and a year clamped to 0..=9999"
)]
pub fn put_datetime(secs: i64, out: &mut Vec<u8>) {
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400) as u32;
    let y = y.clamp(0, 9999) as u32;
    two(y / 100, out);
    two(y % 100, out);
    out.push(b'-');
    two(m, out);
    out.push(b'-');
    two(d, out);
    out.push(b'T');
    two(t / 3600, out);
    out.push(b':');
    two(t / 60 % 60, out);
    out.push(b':');
    two(t % 60, out);
    out.push(b'Z');
}

/// Appends hundredths as a decimal with two digits (`1234.05`, `-0.50`).
#[inline]
pub fn put_cents(c: i64, out: &mut Vec<u8>) {
    if c < 0 {
        out.push(b'-');
    }
    let c = c.unsigned_abs();
    put_u64(c / 100, out);
    let [a, b] = PAIRS[(c % 100) as usize];
    out.extend_from_slice(&[b'.', a, b]);
}

/// A network value written as text ([`put_net`]): never holds a comma or
/// a quote, so CSV writes it unquoted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Net {
    /// An IPv6 address, in the compressed form of RFC 5952.
    V6(u128),
    /// An IPv4 CIDR block: the network address and the prefix length.
    Cidr4(u32, u8),
    /// An IPv6 CIDR block: the network address and the prefix length.
    Cidr6(u128, u8),
    /// A MAC address (its low 48 bits), as six lowercase hex pairs
    /// separated by colons.
    Mac(u64),
}

/// Appends the text of a network value.
pub fn put_net(n: Net, out: &mut Vec<u8>) {
    use std::io::Write;
    match n {
        // Writing into a Vec cannot fail.
        Net::V6(a) => {
            let _ = write!(out, "{}", std::net::Ipv6Addr::from(a));
        }
        Net::Cidr4(a, len) => {
            put_ipv4(a, out);
            out.push(b'/');
            put_u64(u64::from(len), out);
        }
        Net::Cidr6(a, len) => {
            let _ = write!(out, "{}", std::net::Ipv6Addr::from(a));
            out.push(b'/');
            put_u64(u64::from(len), out);
        }
        Net::Mac(m) => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            for k in (0..6).rev() {
                let b = (m >> (8 * k)) & 0xFF;
                out.push(HEX[crate::cast::index(b >> 4)]);
                out.push(HEX[crate::cast::index(b & 0xF)]);
                if k > 0 {
                    out.push(b':');
                }
            }
        }
    }
}

/// Appends `ip` in dotted quad notation, without allocating.
pub fn put_ipv4(ip: u32, out: &mut Vec<u8>) {
    for (k, b) in ip.to_be_bytes().iter().enumerate() {
        if k > 0 {
            out.push(b'.');
        }
        put_u64(u64::from(*b), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_values_are_written_in_their_usual_text() {
        let text = |n| {
            let mut o = Vec::new();
            put_net(n, &mut o);
            String::from_utf8(o).unwrap()
        };
        let v6 = 0xfd12_3456_789a_0001_0000_0000_0000_0002;
        assert_eq!(text(Net::V6(v6)), "fd12:3456:789a:1::2");
        assert_eq!(
            text(Net::Cidr6(v6 >> 64 << 64, 64)),
            "fd12:3456:789a:1::/64"
        );
        assert_eq!(text(Net::Cidr4(0x0A00_0100, 24)), "10.0.1.0/24");
        assert_eq!(text(Net::Mac(0x0050_5600_0A01)), "00:50:56:00:0a:01");
    }

    #[test]
    fn numbers_at_every_power_of_ten_are_decimal() {
        let mut p = 1u64;
        loop {
            for m in [p - 1, p, p + 1] {
                let mut out = Vec::new();
                put_u64(m, &mut out);
                assert_eq!(String::from_utf8(out).unwrap(), m.to_string());
            }
            match p.checked_mul(10) {
                Some(q) => p = q,
                None => break,
            }
        }
        let mut out = Vec::new();
        put_u64(u64::MAX, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), u64::MAX.to_string());
        for i in [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX] {
            let mut out = Vec::new();
            put_i64(i, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), i.to_string());
        }
    }
    #[test]
    fn eight_digit_words_hold_every_digit() {
        // Every value of each digit position, with the others at their
        // extremes, and a stride through the whole range.
        let mut cases: Vec<u32> = (0..100_000_000).step_by(9_973).collect();
        for k in 0..8 {
            let unit = 10u32.pow(k);
            for d in 0..10 {
                cases.push(d * unit);
                cases.push(99_999_999 - (9 - d) * unit);
            }
        }
        for n in cases {
            let word = eight_digits(n).to_le_bytes();
            assert_eq!(std::str::from_utf8(&word).unwrap(), format!("{n:08}"));
        }
    }
    #[test]
    fn cents_are_two_decimals() {
        for (c, want) in [
            (0i64, "0.00"),
            (5, "0.05"),
            (-50, "-0.50"),
            (123_405, "1234.05"),
            (99_999_999_999, "999999999.99"),
            (i64::MIN, "-92233720368547758.08"),
            (i64::MAX, "92233720368547758.07"),
        ] {
            let mut out = Vec::new();
            put_cents(c, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), want);
        }
    }
    #[test]
    fn padded_numbers() {
        for (n, want) in [
            (0u64, "000000000"),
            (7, "000000007"),
            (123_456_789, "123456789"),
            (999_999_999, "999999999"),
            (1_000_000_000, "1000000000"),
            (u64::MAX, "18446744073709551615"),
        ] {
            let mut out = Vec::new();
            put_padded(n, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), want);
        }
    }
}
