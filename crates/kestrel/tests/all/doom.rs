//! DOOM, frame by frame, on Kestrel and on polkavm 0.37 (interpreter), in lockstep: every frame
//! passed to `ext_output_video` must be byte-identical, and so must the gas used by every tick
//! (sync metering, naive cost model).
//!
//! The host side is `kestrel_test_support::doom`. The number of ticks is `KESTREL_DOOM_TICKS`
//! (default [`DEFAULT_TICKS`]); a tick outputs one frame, or several during a screen wipe, and
//! every one of them is compared.

use kestrel_test_support::doom::{FRAME_SIZE, Lockstep, load_wad};

use crate::common::{engine, testdata};

const GAS: i64 = 1 << 60;
/// The title screen is static until tick 342, then a screen wipe (several frames in one tick) leads
/// into the demo; 420 ticks cover both and take about 30 s for the two interpreters together.
const DEFAULT_TICKS: usize = 420;

#[test]
fn doom_frames_match_polkavm() {
    let Some(blob_path) = testdata("blobs/doom.polkavm") else { return };
    let Some(rom) = load_wad() else { return };
    let ticks: usize = std::env::var("KESTREL_DOOM_TICKS").ok().and_then(|n| n.parse().ok()).unwrap_or(DEFAULT_TICKS);
    let blob = std::fs::read(blob_path).unwrap();

    let mut doom = Lockstep::new(&engine(), &blob, rom, Some(GAS));
    doom.run(ticks);
    eprintln!(
        "doom: {ticks} ticks, {} frames of {}x{} identical ({} changes, the first at tick {:?}, last hash {:016x}, gas used {}); kestrel {:?}, polkavm {:?}",
        doom.frames,
        doom.our_host.frame_size.0,
        doom.our_host.frame_size.1,
        doom.distinct,
        doom.first_change,
        doom.last_frame_hash(),
        doom.gas_used(),
        doom.our_time,
        doom.their_time,
    );
    assert_eq!(doom.our_host.frame_size, FRAME_SIZE);
    assert!(doom.gas_used() > 0, "gas was charged");
    assert!(doom.distinct > 1, "the frames are not all identical");
    if ticks >= DEFAULT_TICKS {
        assert!(doom.distinct > 50, "the demo is running: {} changes", doom.distinct);
    }
}
