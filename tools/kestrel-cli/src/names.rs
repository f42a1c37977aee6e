//! Printing raw byte names (exports, imports): UTF-8 when valid, else `0x`-prefixed hex.

use std::fmt::Write as _;

/// A raw name as text: the string itself when it is valid UTF-8, else `0x` + lowercase hex.
pub fn display(name: &[u8]) -> String {
    match std::str::from_utf8(name) {
        Ok(text) => text.to_owned(),
        Err(_) => hex_prefixed(name),
    }
}

/// Whether `display` shows the name as text (as opposed to hex).
pub fn is_utf8(name: &[u8]) -> bool {
    std::str::from_utf8(name).is_ok()
}

/// Lowercase hex without a prefix.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

fn hex_prefixed(bytes: &[u8]) -> String {
    format!("0x{}", hex(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_text_when_utf8_and_hex_otherwise() {
        assert_eq!(display(b"add_numbers"), "add_numbers");
        assert_eq!(display(b""), "");
        assert_eq!(display(&[0xff, 0x00, 0x61]), "0xff0061");
        assert!(is_utf8("ünï".as_bytes()));
        assert!(!is_utf8(&[0xc3]));
        assert_eq!(hex(&[0x01, 0xab]), "01ab");
    }
}
