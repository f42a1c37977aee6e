//! `%` directives (`instructions.md` §9.1 and the Kestrel additions of the shared dialect).

use alloc::vec::Vec;

use super::operands::{parse_hex_bytes, parse_label_ref};
use crate::isa::InstructionSetKind;

/// A parsed directive line.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Directive<'a> {
    Isa(InstructionSetKind),
    RoDataSize(u32),
    RwDataSize(u32),
    StackSize(u32),
    RoData(Vec<u8>),
    RwData(Vec<u8>),
    /// Kestrel: one more import, in order of appearance.
    Import(Vec<u8>),
    /// Kestrel: export `name` at the instruction following the definition of `label`.
    Export {
        name: Vec<u8>,
        label: &'a str,
    },
    /// Kestrel: explicit jump-table entries (label names), appended in order.
    JumpTable(Vec<&'a str>),
}

/// Why a directive line was rejected.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum DirectiveError {
    /// Not a known directive (reported like any unparsable line, with its text).
    Unknown,
    /// A known directive with a bad value (reported as a bare `cannot parse line N`).
    BadValue,
}

/// The value of `%NAME = VALUE`; a known directive with an empty value is written `%NAME =` once
/// the line is trimmed, which is accepted as an empty value.
fn value<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let rest = line.strip_prefix('%')?.strip_prefix(name)?;
    if rest == " =" {
        return Some("");
    }
    rest.strip_prefix(" = ")
}

/// Parses a trimmed line starting with `%`.
pub fn parse_directive(line: &str) -> Result<Directive<'_>, DirectiveError> {
    use Directive::*;
    let bad = |_| DirectiveError::BadValue;
    if let Some(v) = value(line, "isa") {
        return InstructionSetKind::from_name(v).map(Isa).ok_or(DirectiveError::BadValue);
    }
    if let Some(v) = value(line, "ro_data_size") {
        return v.parse().map(RoDataSize).map_err(bad);
    }
    if let Some(v) = value(line, "rw_data_size") {
        return v.parse().map(RwDataSize).map_err(bad);
    }
    if let Some(v) = value(line, "stack_size") {
        return v.parse().map(StackSize).map_err(bad);
    }
    if let Some(v) = value(line, "ro_data") {
        return parse_hex_bytes(v).map(RoData).ok_or(DirectiveError::BadValue);
    }
    if let Some(v) = value(line, "rw_data") {
        return parse_hex_bytes(v).map(RwData).ok_or(DirectiveError::BadValue);
    }
    if let Some(v) = value(line, "import") {
        return parse_symbol(v).map(Import).ok_or(DirectiveError::BadValue);
    }
    if let Some(v) = value(line, "export") {
        let (name, label) = v.split_once(' ').ok_or(DirectiveError::BadValue)?;
        let name = parse_symbol(name).ok_or(DirectiveError::BadValue)?;
        let label = parse_label_ref(label.trim()).ok_or(DirectiveError::BadValue)?;
        return Ok(Export { name, label });
    }
    if let Some(v) = value(line, "jump_table") {
        let labels: Option<Vec<&str>> = v.split_whitespace().map(parse_label_ref).collect();
        return labels.map(JumpTable).ok_or(DirectiveError::BadValue);
    }
    Err(DirectiveError::Unknown)
}

/// An import/export name: `0x` followed by an even number of hex digits (raw bytes, possibly
/// empty), or a non-empty bare token of `[A-Za-z0-9_.$]`.
pub fn parse_symbol(text: &str) -> Option<Vec<u8>> {
    if let Some(hex) = text.strip_prefix("0x") {
        if !hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return None;
        }
        return parse_hex_bytes(hex);
    }
    let is_bare = |byte: u8| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'$');
    (!text.is_empty() && text.bytes().all(is_bare)).then(|| text.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn standard_directives() {
        use Directive::*;
        assert_eq!(parse_directive("%isa = latest64"), Ok(Isa(InstructionSetKind::Latest64)));
        assert_eq!(parse_directive("%isa = jam_v1"), Ok(Isa(InstructionSetKind::JamV1)));
        assert_eq!(parse_directive("%isa = riscv"), Err(DirectiveError::BadValue));
        assert_eq!(parse_directive("%ro_data_size = 4096"), Ok(RoDataSize(4096)));
        assert_eq!(parse_directive("%rw_data_size = 4294967295"), Ok(RwDataSize(u32::MAX)));
        assert_eq!(parse_directive("%rw_data_size = 4294967296"), Err(DirectiveError::BadValue));
        assert_eq!(parse_directive("%stack_size = 0x10"), Err(DirectiveError::BadValue));
        assert_eq!(parse_directive("%stack_size = -1"), Err(DirectiveError::BadValue));
        assert_eq!(parse_directive("%ro_data = 48 65 6c 6c 6f"), Ok(RoData(b"Hello".to_vec())));
        assert_eq!(parse_directive("%rw_data = 0102"), Ok(RwData(vec![1, 2])));
        assert_eq!(parse_directive("%rw_data = 010"), Err(DirectiveError::BadValue));
        assert_eq!(parse_directive("%rw_data ="), Ok(RwData(vec![])));
        assert_eq!(parse_directive("%stack_size=4096"), Err(DirectiveError::Unknown));
        assert_eq!(parse_directive("%heap_size = 4096"), Err(DirectiveError::Unknown));
        assert_eq!(parse_directive("%no_fallthrough"), Err(DirectiveError::Unknown));
    }

    #[test]
    fn kestrel_directives() {
        use Directive::*;
        assert_eq!(parse_directive("%import = hello"), Ok(Import(b"hello".to_vec())));
        assert_eq!(parse_directive("%import = seal0.call$x"), Ok(Import(b"seal0.call$x".to_vec())));
        assert_eq!(parse_directive("%import = 0x00ff"), Ok(Import(vec![0, 0xff])));
        assert_eq!(parse_directive("%import = 0x"), Ok(Import(vec![])));
        assert_eq!(parse_directive("%import = 0x0"), Err(DirectiveError::BadValue));
        assert_eq!(parse_directive("%import = 0xzz"), Err(DirectiveError::BadValue));
        assert_eq!(parse_directive("%import = a-b"), Err(DirectiveError::BadValue));
        assert_eq!(parse_directive("%import ="), Err(DirectiveError::BadValue));
        assert_eq!(parse_directive("%export = main @_0"), Ok(Export { name: b"main".to_vec(), label: "_0" }));
        assert_eq!(parse_directive("%export = main _0"), Err(DirectiveError::BadValue));
        assert_eq!(parse_directive("%export = main"), Err(DirectiveError::BadValue));
        assert_eq!(parse_directive("%jump_table = @a @b @a"), Ok(JumpTable(vec!["a", "b", "a"])));
        assert_eq!(parse_directive("%jump_table ="), Ok(JumpTable(vec![])));
        assert_eq!(parse_directive("%jump_table = @a b"), Err(DirectiveError::BadValue));
    }
}
