//! The container parser compared with polkavm 0.37 on real blobs, mutated real blobs and
//! hand-shaped random blobs: the same verdict, the same error text, the same parsed contents.

#![allow(clippy::print_stderr, reason = "differential tests report what they compared")]

use kestrel_differential::Rng;
use kestrel_program::varint::write_varint;

const PREFIX: &str = "failed to parse program blob: ";

fn testdata() -> Option<std::path::PathBuf> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/blobs");
    path.is_dir().then_some(path)
}

fn real_blobs() -> Vec<Vec<u8>> {
    let Some(dir) = testdata() else {
        eprintln!("skipped real blobs: ../shared/testdata/blobs not found");
        return Vec::new();
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("read testdata")
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "polkavm"))
        .collect();
    paths.sort();
    paths.iter().map(|path| std::fs::read(path).expect("read blob")).collect()
}

/// A summary of everything the parser exposes, in a form both implementations can produce.
#[derive(PartialEq, Eq, Debug)]
struct Summary {
    isa: u8,
    sizes: (u32, u32, u32),
    ro_data: Vec<u8>,
    rw_data: Vec<u8>,
    code: Vec<u8>,
    bitmask: Vec<u8>,
    jump_table: Vec<u32>,
    imports: Vec<Option<Vec<u8>>>,
    exports: Vec<(u32, Vec<u8>)>,
    metadata_hash: Vec<u8>,
}

fn reference_summary(bytes: &[u8]) -> Result<Summary, String> {
    use polkavm::program::InstructionSetKind as R;
    let blob = polkavm::ProgramBlob::parse(bytes.to_vec().into()).map_err(|error| error.to_string())?;
    Ok(Summary {
        isa: match blob.isa() {
            R::ReviveV1 => 0,
            R::Latest32 => 1,
            R::Latest64 => 2,
            R::JamV1 => 3,
        },
        sizes: (blob.ro_data_size(), blob.rw_data_size(), blob.stack_size()),
        ro_data: blob.ro_data().to_vec(),
        rw_data: blob.rw_data().to_vec(),
        code: blob.code().to_vec(),
        bitmask: blob.bitmask().to_vec(),
        jump_table: blob.jump_table().iter().map(|target| target.0).collect(),
        imports: blob.imports().iter().map(|import| import.map(|symbol| symbol.as_bytes().to_vec())).collect(),
        exports: blob
            .exports()
            .map(|export| (export.program_counter().0, export.symbol().as_bytes().to_vec()))
            .collect(),
        metadata_hash: blob.metadata_hash().to_vec(),
    })
}

fn kestrel_summary(bytes: &[u8]) -> Result<Summary, String> {
    let blob = kestrel_program::ProgramBlob::parse(bytes.to_vec().into()).map_err(|error| {
        let text = error.to_string();
        if text.starts_with(PREFIX) { text } else { format!("{PREFIX}{text}") }
    })?;
    Ok(Summary {
        isa: blob.isa().version_byte(),
        sizes: (blob.ro_data_size(), blob.rw_data_size(), blob.stack_size()),
        ro_data: blob.ro_data().to_vec(),
        rw_data: blob.rw_data().to_vec(),
        code: blob.code().to_vec(),
        bitmask: blob.bitmask().to_vec(),
        jump_table: blob.jump_table().iter().collect(),
        imports: blob.imports().iter().map(|import| import.map(<[u8]>::to_vec)).collect(),
        exports: blob.exports().map(|export| (export.pc, export.name.to_vec())).collect(),
        metadata_hash: blob.metadata_hash().to_vec(),
    })
}

fn compare(bytes: &[u8], what: &str) -> bool {
    let reference = reference_summary(bytes);
    let ours = kestrel_summary(bytes);
    assert_eq!(ours, reference, "{what}: {} bytes, first 64: {:02x?}", bytes.len(), &bytes[..bytes.len().min(64)]);
    reference.is_ok()
}

fn fix_length(bytes: &mut [u8]) {
    if bytes.len() >= 13 {
        let len = bytes.len() as u64;
        bytes[5..13].copy_from_slice(&len.to_le_bytes());
    }
}

#[test]
fn real_blobs_parse_identically() {
    for (index, blob) in real_blobs().iter().enumerate() {
        assert!(compare(blob, &format!("real blob {index}")), "real blob {index} must parse");
    }
}

#[test]
fn mutated_real_blobs_parse_identically() {
    let blobs = real_blobs();
    let mut rng = Rng::new(0xb10b);
    let (mut ok, mut err) = (0, 0);
    for case in 0..4000 {
        if blobs.is_empty() {
            break;
        }
        let original = rng.pick(&blobs);
        // Mutations concentrate on the header and section framing, where the parser's logic is.
        let limit = original.len().min(if rng.chance(1, 2) { 64 } else { 4096 });
        let mut bytes = original[..original.len().min(limit + rng.below(16) as usize)].to_vec();
        for _ in 0..1 + rng.below(3) {
            let position = 4 + rng.below(bytes.len().saturating_sub(4).max(1) as u64) as usize;
            match rng.below(4) {
                0 if position < bytes.len() => bytes[position] ^= 1 << rng.below(8),
                1 if position < bytes.len() => bytes[position] = rng.next_u64() as u8,
                2 => bytes.insert(position.min(bytes.len()), rng.next_u64() as u8),
                _ if position < bytes.len() => {
                    bytes.remove(position);
                }
                _ => {}
            }
        }
        if rng.chance(9, 10) {
            fix_length(&mut bytes);
        }
        if compare(&bytes, &format!("mutation {case}")) {
            ok += 1;
        } else {
            err += 1;
        }
    }
    eprintln!("mutated real blobs: {ok} accepted, {err} rejected, all identical");
}

fn section(id: u8, payload: &[u8], out: &mut Vec<u8>) {
    out.push(id);
    write_varint(payload.len() as u32, out);
    out.extend_from_slice(payload);
}

/// Random blobs assembled from plausible sections in plausible (and sometimes wrong) orders.
#[test]
fn shaped_random_blobs_parse_identically() {
    let mut rng = Rng::new(0x5ec7);
    let (mut ok, mut err) = (0, 0);
    for case in 0..20000 {
        let mut bytes = b"PVM\0".to_vec();
        bytes.push(if rng.chance(1, 30) { rng.next_u64() as u8 } else { rng.below(4) as u8 });
        bytes.extend_from_slice(&[0; 8]);
        let mut ids: Vec<u8> = vec![1, 2, 3, 4, 5, 6, 128, 129, 130, 131, 200];
        ids.retain(|_| rng.chance(2, 3));
        if rng.chance(1, 5) {
            let a = rng.below(ids.len().max(1) as u64) as usize;
            let b = rng.below(ids.len().max(1) as u64) as usize;
            if a < ids.len() && b < ids.len() {
                ids.swap(a, b);
            }
        }
        if rng.chance(1, 10) {
            ids.push(*rng.pick(&[1u8, 6, 7, 128, 131]));
        }
        for id in ids {
            let mut payload = Vec::new();
            match id {
                1 => {
                    for _ in 0..3 {
                        write_varint(rng.interesting_u64() as u32 % 100_000, &mut payload);
                    }
                    if rng.chance(1, 10) {
                        payload.push(0);
                    }
                }
                4 => {
                    let count = rng.below(4) as u32;
                    write_varint(count, &mut payload);
                    for _ in 0..count {
                        payload.extend_from_slice(&(rng.below(6) as u32).to_le_bytes());
                    }
                    payload.extend_from_slice(b"abcde"[..rng.below(6) as usize].as_ref());
                }
                5 => {
                    let count = rng.below(4) as u32;
                    write_varint(count, &mut payload);
                    for _ in 0..count {
                        write_varint(rng.below(300) as u32, &mut payload);
                        let name_len = rng.below(5) as usize;
                        let name = rng.bytes(name_len);
                        write_varint(name.len() as u32 + u32::from(rng.chance(1, 10)), &mut payload);
                        payload.extend_from_slice(&name);
                    }
                }
                6 => {
                    let entries = rng.below(4) as u32;
                    let size = if rng.chance(1, 20) { 5 } else { rng.below(5) as u8 };
                    write_varint(entries, &mut payload);
                    payload.push(size);
                    let code_len = rng.below(40) as u32;
                    if rng.chance(1, 2) {
                        write_varint(code_len, &mut payload);
                    }
                    let table_len = entries as usize * usize::from(size);
                    payload.extend(rng.bytes(table_len));
                    payload.extend(rng.bytes(code_len as usize));
                    let mask = code_len.div_ceil(8) as usize;
                    let mask_len = if rng.chance(1, 10) { mask + 1 } else { mask };
                    payload.extend(rng.bytes(mask_len));
                }
                _ => {
                    let len = rng.below(8) as usize;
                    payload = rng.bytes(len);
                }
            }
            section(id, &payload, &mut bytes);
        }
        bytes.push(0);
        if rng.chance(1, 20) {
            bytes.extend(rng.bytes(3));
        }
        if rng.chance(19, 20) {
            fix_length(&mut bytes);
        }
        if compare(&bytes, &format!("shaped case {case}")) {
            ok += 1;
        } else {
            err += 1;
        }
    }
    eprintln!("shaped random blobs: {ok} accepted, {err} rejected, all identical");
    assert!(ok > 100, "the generator should produce some valid blobs");
}
