//! Tier-1 code made visible to native tools. Each piece of code the JIT installs (every
//! compiled method and the entry trampoline) is described once, as a `CodeRecord`
//! (name, SOM file, address, bytes, line table), and handed to the outputs the options
//! enabled:
//!
//! - `--gdb-jit`: an in-memory ELF symbol file with DWARF lines and CFI (`elf.rs`,
//!   frame layout from `frame.rs`) registered through the GDB JIT interface (`ffi.rs`),
//!   so gdb's `bt` shows `Class>>selector` frames with file and line and unwinds
//!   through JIT code into the Rust frames;
//! - `--jit-elf-dir DIR`: the same images written to `DIR/ADDRESS-NAME.o` for
//!   `addr2line`, `objdump --dwarf` or `readelf`;
//! - `--jitdump[-dir]`: a jitdump file for `perf inject --jit` (`jitdump.rs`);
//! - `--perf-map`: a line per piece of code in `/tmp/perf-PID.map`.
//!
//! And, always, `som_gdb_backtrace` (`ffi.rs`): gdb's `som-bt` command
//! (`scripts/som-gdb.py`) calls it to print the SOM stack, interpreted frames included.
//!
//! Everything is off by default: the ELF image costs more than compiling the method
//! (see README, "Native tools").

mod elf;
mod ffi;
mod frame;
mod jitdump;
#[cfg(test)]
mod tests;
mod unwind;

pub(crate) use ffi::publish_program_vm;

use crate::runtime::vm::{Frame, Options, Vm};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// One piece of JIT code as native tools see it.
pub(crate) struct CodeRecord {
    /// `Class>>selector`, `[] in Class>>selector` or `som_jit_entry`.
    pub name: String,
    /// The SOM source file (as the VM names it in backtraces).
    pub file: String,
    /// The line of the method's declaration (0: none).
    pub decl_line: u32,
    pub address: u64,
    pub bytes: Vec<u8>,
    /// Native offsets where the source line changes (offset, line), by offset.
    pub lines: Vec<(u32, u32)>,
    /// Offsets where execution may enter with nothing pushed (the frame analysis
    /// starts there).
    pub entries: Vec<u32>,
    /// The trampoline saves and restores the callee-saved registers; JIT methods leave
    /// r13/r14 changed for their caller.
    pub preserves_vm_registers: bool,
}

impl CodeRecord {
    /// The line table from a pc map (offset, bytecode index) and the line of each
    /// bytecode: one row per change of line, the last entry winning at equal offsets.
    pub(crate) fn line_table(pc_map: &[(u32, u32)], lines: &[u32]) -> Vec<(u32, u32)> {
        let mut table: Vec<(u32, u32)> = Vec::new();
        for &(offset, bci) in pc_map {
            let line = lines.get(bci as usize).copied().unwrap_or(0);
            match table.last_mut() {
                Some(last) if last.0 == offset => last.1 = line,
                _ => table.push((offset, line)),
            }
        }
        table.dedup_by(|later, earlier| later.1 == earlier.1);
        table
    }
}

/// The native-tool outputs of one VM.
pub(crate) struct NativeTools {
    gdb: bool,
    elf_dir: Option<PathBuf>,
    jitdump: Option<jitdump::JitDump>,
    /// Why the jitdump could not be opened or written (reported once).
    jitdump_error: Option<String>,
    jitdump_dir: Option<PathBuf>,
    perf_map: bool,
    registrations: Vec<ffi::GdbRegistration>,
    /// Time spent describing code for these outputs.
    pub time: Duration,
}

impl NativeTools {
    pub(crate) fn new(options: &Options) -> NativeTools {
        NativeTools {
            gdb: options.gdb_jit,
            elf_dir: options.jit_elf_dir.clone(),
            jitdump: None,
            jitdump_error: None,
            jitdump_dir: options.jitdump_dir.clone(),
            perf_map: options.perf_map,
            registrations: Vec::new(),
            time: Duration::ZERO,
        }
    }

    /// Whether any output wants code records.
    pub(crate) fn enabled(&self) -> bool {
        self.gdb || self.elf_dir.is_some() || self.jitdump_dir.is_some() || self.perf_map
    }

    /// Describes `record` to every enabled output. Answers the end of the range the
    /// outputs claim for it: past the code when the jitdump carries its unwinding
    /// information, because `perf inject --jit` maps that data right after the code
    /// (at the next multiple of 8) and reads `.eh_frame` through that mapping. Code
    /// placed inside that range would hide the unwinding data from perf.
    pub(crate) fn publish(&mut self, record: &CodeRecord) -> u64 {
        let start = Instant::now();
        let mut end = record.address + record.bytes.len() as u64;
        if self.gdb || self.elf_dir.is_some() {
            self.publish_image(record);
        }
        if self.jitdump_dir.is_some() {
            if let Some(unwinding) = self.publish_jitdump(record) {
                end = record.address + record.bytes.len().next_multiple_of(8) as u64;
                end += unwinding as u64;
            }
        }
        if self.perf_map {
            perf_map_line(record.address, record.bytes.len(), &record.name);
        }
        self.time += start.elapsed();
        end
    }

    fn publish_image(&mut self, record: &CodeRecord) {
        let frame = frame::describe(
            &record.bytes,
            record.address,
            &record.entries,
            record.preserves_vm_registers,
        );
        // Code whose frame cannot be described gets lines but no CFI: gdb then
        // stops unwinding there instead of unwinding wrongly.
        let image = match elf::image(record, frame.as_deref().ok()) {
            Ok(image) => image,
            Err(e) => {
                eprintln!("som: no debug info for {}: {}", record.name, e.0);
                return;
            }
        };
        if let Some(dir) = &self.elf_dir {
            let name: String = record
                .name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            let path = dir.join(format!("{:x}-{name}.o", record.address));
            if let Err(e) = std::fs::write(&path, &image) {
                eprintln!("som: --jit-elf-dir: cannot write {}: {e}", path.display());
                self.elf_dir = None;
            }
        }
        if self.gdb {
            let registration = ffi::GdbRegistration::register(image.into_boxed_slice());
            self.registrations.push(registration);
        }
    }

    /// Writes `record` to the jitdump; answers the size of the unwinding data written
    /// with it, if any.
    fn publish_jitdump(&mut self, record: &CodeRecord) -> Option<usize> {
        if self.jitdump.is_none() && self.jitdump_error.is_none() {
            let dir = self.jitdump_dir.clone().unwrap_or_default();
            match jitdump::JitDump::create(&dir) {
                Ok(d) => self.jitdump = Some(d),
                Err(e) => {
                    let path = dir.join(format!("jit-{}.dump", std::process::id()));
                    self.jitdump_error = Some(format!("{}: {e}", path.display()));
                }
            }
        }
        // Code whose frame cannot be described gets no unwinding record: perf then
        // stops there instead of unwinding wrongly.
        let unwinding = frame::describe(
            &record.bytes,
            record.address,
            &record.entries,
            record.preserves_vm_registers,
        )
        .ok()
        .and_then(|changes| unwind::unwinding_data(record, &changes).ok());
        let result = match &mut self.jitdump {
            Some(d) => d
                .write(record, unwinding.as_deref())
                .map_err(|e| format!("{}: {e}", d.path().display())),
            None => Ok(()),
        };
        let written = result.is_ok() && self.jitdump.is_some();
        if let Err(e) = result {
            self.jitdump = None;
            self.jitdump_error = Some(e);
        }
        if let Some(e) = &self.jitdump_error {
            if self.jitdump_dir.take().is_some() {
                eprintln!("som: --jitdump: cannot write {e}");
            }
        }
        unwinding.filter(|_| written).map(|u| u.len())
    }
}

/// Appends `address size name` to `/tmp/perf-PID.map`, the file `perf report` reads
/// to name JIT code (`--perf-map`).
fn perf_map_line(address: u64, size: usize, name: &str) {
    use std::io::Write;
    let path = format!("/tmp/perf-{}.map", std::process::id());
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(f, "{address:x} {size:x} {name}");
    }
}

/// The SOM stack for `som-bt`: `#N Class>>selector (file:line) [tier T]`, innermost
/// first (`frames` bottom first, as `Vm::frames`).
fn describe_som_stack(vm: &Vm, frames: &[Frame]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for (n, f) in frames.iter().rev().enumerate() {
        let Some(method) = vm.methods.get(f.method.index()) else {
            let _ = writeln!(out, "#{n} [frame being written]");
            continue;
        };
        let line = match &method.kind {
            crate::bytecode::MethodKind::Bytecode(c)
            | crate::bytecode::MethodKind::Trivial(_, c) => {
                let pc = (f.pc as usize).saturating_sub(1);
                c.lines.get(pc).copied().unwrap_or(method.line)
            }
            _ => method.line,
        };
        let name = vm.method_name(f.method);
        let _ = writeln!(
            out,
            "#{n} {name} ({}:{line}) [tier {}]",
            method.file, f.tier
        );
    }
    if out.is_empty() {
        out.push_str("som-bt: no SOM activation on the stack\n");
    }
    out
}
