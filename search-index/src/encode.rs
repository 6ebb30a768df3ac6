//! Numbers packed into JSON-safe strings.
//!
//! Each number is written as groups of 5 bits, lowest first; a group is one
//! character of the base64url alphabet (`A-Z a-z 0-9 - _`), whose index is
//! the group's bits plus 32 when another group follows. Numbers below 32
//! take one character, below 1024 two. The browser's `unpack` reverses it.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Appends `value` to `out`.
pub fn push(out: &mut String, value: u32) {
    push_u64(out, value as u64);
}

/// Appends `value` to `out` (the reader reads numbers up to 2^53 exactly).
pub fn push_u64(out: &mut String, mut value: u64) {
    while value >= 32 {
        out.push(ALPHABET[(32 | (value & 31)) as usize] as char);
        value >>= 5;
    }
    out.push(ALPHABET[value as usize] as char);
}

/// Reads back the numbers of a string written with [`push`]; `None` when the
/// string is not such a string.
#[cfg(test)]
pub fn unpack(s: &str) -> Option<Vec<u64>> {
    let mut out = Vec::new();
    let mut value: u64 = 0;
    let mut shift = 0;
    for b in s.bytes() {
        let digit = ALPHABET.iter().position(|a| *a == b)? as u64;
        value |= (digit & 31) << shift;
        if digit & 32 != 0 {
            shift += 5;
            if shift > 60 {
                return None;
            }
        } else {
            out.push(value);
            value = 0;
            shift = 0;
        }
    }
    (shift == 0).then_some(out)
}

/// Packs a sorted list as gaps: the first value, then each difference.
pub fn gaps(values: &[u32]) -> String {
    let mut out = String::new();
    let mut prev = 0;
    for &v in values {
        push(&mut out, v.saturating_sub(prev));
        prev = v;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let values = [0, 1, 31, 32, 1023, 1024, 65_535, u32::MAX];
        let mut s = String::new();
        for v in values {
            push(&mut s, v);
        }
        let back: Vec<u64> = values.iter().map(|&v| v as u64).collect();
        assert_eq!(unpack(&s).unwrap(), back);
        assert_eq!(s.len(), 1 + 1 + 1 + 2 + 2 + 3 + 4 + 7);
        let mut big = String::new();
        push_u64(&mut big, (1 << 53) - 1);
        assert_eq!(unpack(&big).unwrap(), [(1u64 << 53) - 1]);
    }

    #[test]
    fn gap_lists() {
        assert_eq!(unpack(&gaps(&[3, 5, 40])).unwrap(), [3, 2, 35]);
    }
}
