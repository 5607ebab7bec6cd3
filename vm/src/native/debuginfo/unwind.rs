//! The unwinding information of one piece of JIT code for the jitdump's
//! `JIT_CODE_UNWINDING_INFO` record, so that `perf record --call-graph dwarf` followed
//! by `perf inject --jit` unwinds through JIT frames: `.eh_frame` (the CFI of the gdb
//! image's `.debug_frame`, with pc-relative pointers) and then its `.eh_frame_hdr`.
//! Pointers are relative because `perf inject` places the bytes in the ELF file it
//! writes for the code: `.eh_frame` at the first multiple of 8 after the code (whose
//! own offset is a multiple of 16), the header right after `.eh_frame`.

use super::elf::{frame_table, ImageError};
use super::frame::FrameChange;
use super::CodeRecord;
use gimli::write::{Address, EhFrame, EndianVec};
use gimli::{constants, LittleEndian};

/// Size of the `.eh_frame_hdr` written (version, three encodings, the `.eh_frame`
/// pointer, the FDE count and one search-table entry).
pub(crate) const EH_FRAME_HDR_SIZE: usize = 20;

/// `.eh_frame` followed by `.eh_frame_hdr` for `record`, whose frame is `changes`.
pub(crate) fn unwinding_data(
    record: &CodeRecord,
    changes: &[FrameChange],
) -> Result<Vec<u8>, ImageError> {
    let code_span = record.bytes.len().next_multiple_of(8) as i64;
    let pcrel = constants::DW_EH_PE_pcrel | constants::DW_EH_PE_sdata4;
    // The code starts `code_span` bytes before `.eh_frame`; pc-relative pointers are
    // written as that minus their own offset in the section.
    let start = Address::Constant((-code_span) as u64);
    let mut eh = EhFrame(EndianVec::new(LittleEndian));
    frame_table(record, changes, start, Some(pcrel)).write_eh_frame(&mut eh)?;
    let mut data = eh.0.into_vec();
    let cie_len = u32::from_le_bytes(data[..4].try_into().expect("a CIE was written"));
    let fde_offset = 4 + cie_len as i64;
    data.extend_from_slice(&0u32.to_le_bytes()); // the terminator
    let eh_len = data.len() as i64;
    let datarel = constants::DW_EH_PE_datarel | constants::DW_EH_PE_sdata4;
    data.extend_from_slice(&[1, pcrel.0, constants::DW_EH_PE_udata4.0, datarel.0]);
    // `.eh_frame` relative to this field (4 bytes into the header).
    data.extend_from_slice(&(-(eh_len + 4) as i32).to_le_bytes());
    data.extend_from_slice(&1u32.to_le_bytes());
    // The search table: code start and FDE, relative to the header's start.
    data.extend_from_slice(&(-(code_span + eh_len) as i32).to_le_bytes());
    data.extend_from_slice(&((fde_offset - eh_len) as i32).to_le_bytes());
    Ok(data)
}
