//! Debug helper: prints the decoded instructions of a blob given as hex bytes on stdin.
#![allow(clippy::print_stdout, reason = "debugging tool")]
fn main() {
    let mut text = String::new();
    std::io::stdin().read_line(&mut text).unwrap();
    let bytes: Vec<u8> = text
        .trim()
        .trim_matches(|c| c == '[' || c == ']')
        .split(", ")
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect();
    let blob = kestrel_program::ProgramBlob::parse(bytes.into()).unwrap();
    for item in blob.code_view().instructions() {
        println!("{:>5} {:?}", item.offset, item.instruction);
    }
}
