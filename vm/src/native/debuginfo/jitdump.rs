//! The jitdump file (`--jitdump`): `jit-PID.dump` in the format of the Linux perf
//! tools (`tools/perf/Documentation/jitdump-specification.txt`). A file header
//! (magic, version, ELF machine, pid, timestamp), then per compiled piece of code a
//! `JIT_CODE_DEBUG_INFO` record (native address → SOM file and line, from the pc map)
//! and a `JIT_CODE_UNWINDING_INFO` record (`.eh_frame` and `.eh_frame_hdr`, `unwind.rs`,
//! when the frame layout could be recovered) followed by its `JIT_CODE_LOAD` record
//! (name, address, code bytes). Timestamps are
//! CLOCK_MONOTONIC, so record with `perf record -k 1`; `perf inject --jit` then turns
//! every load into an ELF file `perf report` can name and annotate.
//!
//! The first page of the file is mapped read+execute for as long as the file is open:
//! that mapping, logged by `perf record`, is how `perf inject` finds the file.

use super::ffi::{self, ExecMapping};
use super::CodeRecord;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// `'JiTD'` as a little-endian u32.
pub(crate) const MAGIC: u32 = 0x4A69_5444;
pub(crate) const VERSION: u32 = 1;
pub(crate) const HEADER_SIZE: u32 = 40;
pub(crate) const JIT_CODE_LOAD: u32 = 0;
pub(crate) const JIT_CODE_DEBUG_INFO: u32 = 2;
pub(crate) const JIT_CODE_UNWINDING_INFO: u32 = 4;
const EM_X86_64: u32 = 62;

/// An open jitdump file.
pub(crate) struct JitDump {
    path: PathBuf,
    out: BufWriter<File>,
    _mapping: ExecMapping,
    code_index: u64,
}

impl JitDump {
    /// Creates `dir/jit-PID.dump` and writes its header.
    pub(crate) fn create(dir: &Path) -> std::io::Result<JitDump> {
        let pid = std::process::id();
        let path = dir.join(format!("jit-{pid}.dump"));
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)?;
        let mut header = Vec::with_capacity(HEADER_SIZE as usize);
        for v in [MAGIC, VERSION, HEADER_SIZE, EM_X86_64, 0, pid] {
            header.extend_from_slice(&v.to_le_bytes());
        }
        header.extend_from_slice(&ffi::monotonic_ns().to_le_bytes());
        header.extend_from_slice(&0u64.to_le_bytes()); // flags
        let mut out = BufWriter::new(file);
        out.write_all(&header)?;
        out.flush()?;
        let mapping = ExecMapping::new(out.get_ref())?;
        Ok(JitDump {
            path,
            out,
            _mapping: mapping,
            code_index: 0,
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the debug-info record, the unwinding record (`unwinding`: `.eh_frame`
    /// then `.eh_frame_hdr`) and the load record of `record`.
    pub(crate) fn write(
        &mut self,
        record: &CodeRecord,
        unwinding: Option<&[u8]>,
    ) -> std::io::Result<()> {
        let now = ffi::monotonic_ns();
        if !record.lines.is_empty() {
            self.out.write_all(&debug_info_record(record, now))?;
        }
        if let Some(data) = unwinding {
            self.out.write_all(&unwinding_record(data, now))?;
        }
        let tid = ffi::thread_id();
        self.out
            .write_all(&load_record(record, now, tid, self.code_index))?;
        self.code_index += 1;
        // Flushed per method: perf reads the file after the run, which may end in
        // `exit` from SOM code without running destructors.
        self.out.flush()
    }
}

fn record_header(out: &mut Vec<u8>, id: u32, timestamp: u64) {
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // total size, patched by `finish`
    out.extend_from_slice(&timestamp.to_le_bytes());
}

fn finish(mut out: Vec<u8>) -> Vec<u8> {
    let size = out.len() as u32;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    out
}

/// `JIT_CODE_LOAD`: pid, tid, vma, code address, size, index, name, code bytes.
fn load_record(record: &CodeRecord, timestamp: u64, tid: u32, index: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + record.name.len() + record.bytes.len());
    record_header(&mut out, JIT_CODE_LOAD, timestamp);
    out.extend_from_slice(&std::process::id().to_le_bytes());
    out.extend_from_slice(&tid.to_le_bytes());
    out.extend_from_slice(&record.address.to_le_bytes()); // vma
    out.extend_from_slice(&record.address.to_le_bytes()); // code address
    out.extend_from_slice(&(record.bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(&index.to_le_bytes());
    out.extend_from_slice(record.name.as_bytes());
    out.push(0);
    out.extend_from_slice(&record.bytes);
    finish(out)
}

/// `JIT_CODE_DEBUG_INFO`: the code address and one (address, line, discriminator,
/// file name) entry per line-table row, plus one at the code's end repeating the last
/// line: `perf inject` ends its line sequence at the last entry, so without it the
/// last row would cover no bytes.
fn debug_info_record(record: &CodeRecord, timestamp: u64) -> Vec<u8> {
    let mut out = Vec::new();
    record_header(&mut out, JIT_CODE_DEBUG_INFO, timestamp);
    out.extend_from_slice(&record.address.to_le_bytes());
    let last = record.lines.last().map_or(0, |&(_, line)| line);
    let end = (record.bytes.len() as u32, last);
    out.extend_from_slice(&(record.lines.len() as u64 + 1).to_le_bytes());
    for &(offset, line) in record.lines.iter().chain([&end]) {
        out.extend_from_slice(&(record.address + offset as u64).to_le_bytes());
        out.extend_from_slice(&line.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(record.file.as_bytes());
        out.push(0);
    }
    finish(out)
}

/// `JIT_CODE_UNWINDING_INFO`: unwinding size, `.eh_frame_hdr` size, mapped size, the
/// data, padded to a multiple of 8 bytes.
fn unwinding_record(data: &[u8], timestamp: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(48 + data.len());
    record_header(&mut out, JIT_CODE_UNWINDING_INFO, timestamp);
    out.extend_from_slice(&(data.len() as u64).to_le_bytes());
    out.extend_from_slice(&(super::unwind::EH_FRAME_HDR_SIZE as u64).to_le_bytes());
    out.extend_from_slice(&(data.len() as u64).to_le_bytes());
    out.extend_from_slice(data);
    out.resize(out.len().next_multiple_of(8), 0);
    finish(out)
}

/// A record read back from a jitdump file.
#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Record {
    Load {
        name: String,
        address: u64,
        bytes: Vec<u8>,
    },
    DebugInfo {
        address: u64,
        /// (address, line, file)
        entries: Vec<(u64, u32, String)>,
    },
    Unwinding {
        /// `.eh_frame` then `.eh_frame_hdr`.
        data: Vec<u8>,
        hdr_size: u64,
    },
}

/// Reads a jitdump file back (for tests): the header's pid and the records.
#[cfg(test)]
pub(crate) fn parse(data: &[u8]) -> Result<(u32, Vec<Record>), String> {
    let u32_at = |at: usize| -> Result<u32, String> {
        Ok(u32::from_le_bytes(
            data.get(at..at + 4).ok_or("truncated")?.try_into().unwrap(),
        ))
    };
    let u64_at = |at: usize| -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            data.get(at..at + 8).ok_or("truncated")?.try_into().unwrap(),
        ))
    };
    let c_str = |at: usize| -> Result<(String, usize), String> {
        let len = data[at..].iter().position(|&b| b == 0).ok_or("no NUL")?;
        Ok((
            String::from_utf8_lossy(&data[at..at + len]).into(),
            at + len + 1,
        ))
    };
    if u32_at(0)? != MAGIC || u32_at(4)? != VERSION || u32_at(12)? != EM_X86_64 {
        return Err("bad header".into());
    }
    let pid = u32_at(20)?;
    let mut at = u32_at(8)? as usize;
    let mut records = Vec::new();
    while at < data.len() {
        let (id, size) = (u32_at(at)?, u32_at(at + 4)? as usize);
        if size < 16 || at + size > data.len() {
            return Err(format!("bad record size {size} at {at}"));
        }
        let body = at + 16;
        match id {
            JIT_CODE_LOAD => {
                let (name, code) = c_str(body + 40)?;
                records.push(Record::Load {
                    name,
                    address: u64_at(body + 16)?,
                    bytes: data[code..at + size].to_vec(),
                });
            }
            JIT_CODE_DEBUG_INFO => {
                let mut entries = Vec::new();
                let mut e = body + 16;
                for _ in 0..u64_at(body + 8)? {
                    let (file, next) = c_str(e + 16)?;
                    entries.push((u64_at(e)?, u32_at(e + 8)?, file));
                    e = next;
                }
                records.push(Record::DebugInfo {
                    address: u64_at(body)?,
                    entries,
                });
            }
            JIT_CODE_UNWINDING_INFO => {
                let (len, hdr_size) = (u64_at(body)? as usize, u64_at(body + 8)?);
                let data = data.get(body + 24..body + 24 + len).ok_or("truncated")?;
                records.push(Record::Unwinding {
                    data: data.to_vec(),
                    hdr_size,
                });
            }
            other => return Err(format!("unknown record {other}")),
        }
        at += size;
    }
    Ok((pid, records))
}
