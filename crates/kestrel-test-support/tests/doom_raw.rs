//! `Host::call_import`, the raw `ecalli` dispatch of the benchmark's Kestrel side, behaves like
//! the Linker-based host: the same frames and the same stdout, tick by tick.

use kestrel::program::{ArcBytes, ProgramBlob};
use kestrel_interpreter::{Instance, InterruptKind, Module, ModuleConfig};
use kestrel_test_support::doom::{Host, Lockstep, fnv1a, load_wad};
use kestrel_test_support::{engine, testdata};

const TICKS: usize = 3;

fn call(instance: &mut Instance, host: &mut Host, imports: &[Vec<u8>], pc: u32) {
    instance.prepare_call_untyped(pc, &[]).unwrap();
    loop {
        match instance.run().unwrap() {
            InterruptKind::Finished => return,
            InterruptKind::Ecalli(number) => host.call_import(&imports[number as usize], instance).unwrap(),
            other => panic!("unexpected interrupt {other:?}"),
        }
    }
}

#[test]
fn raw_dispatch_matches_the_linker() {
    let Some(blob_path) = testdata("blobs/doom.polkavm") else { return };
    let Some(rom) = load_wad() else { return };
    let bytes = std::fs::read(blob_path).unwrap();

    let blob = ProgramBlob::parse(ArcBytes::from(&bytes[..])).unwrap();
    let module = Module::from_blob(&ModuleConfig { page_size: 0x4000, ..ModuleConfig::default() }, &blob).unwrap();
    let imports: Vec<Vec<u8>> = blob.imports().iter().map(|name| name.unwrap().to_vec()).collect();
    let export = |name: &str| blob.exports().find(|export| export.name == name.as_bytes()).unwrap().pc;
    let mut raw = module.instantiate();
    let mut raw_host = Host::new(rom.clone());

    let mut doom = Lockstep::new(&engine(), &bytes, rom, None);
    for tick in 0..=TICKS {
        let (name, pc) =
            if tick == 0 { ("ext_initialize", export("ext_initialize")) } else { ("ext_tick", export("ext_tick")) };
        doom.call(name, tick);
        call(&mut raw, &mut raw_host, &imports, pc);
        assert_eq!(raw_host.frames_output, doom.our_host.frames_output, "tick {tick}: frames");
        assert_eq!(fnv1a(&raw_host.frame), doom.last_frame_hash(), "tick {tick}: last frame");
        assert_eq!(raw_host.frame_size, doom.our_host.frame_size, "tick {tick}: frame size");
    }
    assert!(raw_host.frames_output > 0);
    assert!(!raw_host.stdout.is_empty(), "DOOM prints while it initialises");
    assert_eq!(raw_host.stdout, doom.our_host.stdout);
}
