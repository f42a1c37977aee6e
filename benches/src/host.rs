//! The DOOM host side, shared by both VMs: the WAD, the last video frame, stdout bytes.

/// Host state of one DOOM run.
#[derive(Debug)]
pub struct Host {
    rom: std::sync::Arc<[u8]>,
    /// The last frame passed to `ext_output_video` (RGBA).
    pub frame: Vec<u8>,
    /// How many frames the guest has output.
    pub frames_output: u64,
    /// Bytes the guest wrote through `ext_stdout`.
    pub stdout: Vec<u8>,
}

impl Host {
    pub fn new(rom: std::sync::Arc<[u8]>) -> Host {
        Host { rom, frame: Vec::new(), frames_output: 0, stdout: Vec::new() }
    }

    pub fn rom_size(&self) -> u32 {
        self.rom.len() as u32
    }

    /// The WAD bytes `[offset, offset + len)`, or an error when out of range.
    pub fn rom_slice(&self, offset: u32, len: u32) -> Result<&[u8], String> {
        let start = offset as usize;
        start
            .checked_add(len as usize)
            .and_then(|end| self.rom.get(start..end))
            .ok_or_else(|| format!("ext_rom_read out of range: offset {offset}, len {len}"))
    }

    /// Resizes the frame buffer for a `width`×`height` RGBA frame and returns it for filling.
    pub fn frame_buffer(&mut self, width: u32, height: u32) -> Result<&mut [u8], String> {
        let len = u64::from(width) * u64::from(height) * 4;
        if len > 64 << 20 {
            return Err(format!("ext_output_video: frame too large ({width}x{height})"));
        }
        self.frame.resize(len as usize, 0);
        self.frames_output += 1;
        Ok(&mut self.frame)
    }
}

/// FNV-1a, 64-bit: a stable, dependency-free frame hash (computed outside the timed region).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}
