//! Tests of the native-tool outputs on code the VM really compiled: the frame layout of
//! every method of a few benchmarks and of the golden corpus, the ELF images read back with `addr2line` against
//! the pc map, GDB JIT interface (un)registration, and the jitdump file parsed back.

use super::frame::{self, FrameChange};
use super::jitdump::{self, Record};
use super::{ffi, CodeRecord};
use crate::bytecode::Bytecode;
use crate::runtime::vm::{Options, Vm};
use crate::tier1::calls::SAVED_BYTES;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .into()
}

fn recurse_som() -> PathBuf {
    repo().join("vm/tests/native-tools/Recurse.som")
}

/// A scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("som-debuginfo-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `file` with `args`, every method compiled before its first call.
fn run(options: Options, file: &Path, args: &[&str]) -> Vm {
    let mut options = Options {
        max_tier: 1,
        jit_threshold: 0,
        ..options
    };
    crate::driver::run::add_program_dir(&mut options, file);
    let mut vm = Vm::boot(options).expect("boot");
    vm.output = crate::runtime::io::Output::capture(false);
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    assert_eq!(vm.run_program(file, &args), 0);
    vm
}

/// The code records of every compiled method.
fn records(vm: &Vm) -> Vec<CodeRecord> {
    vm.jit
        .compiled_methods()
        .map(|m| vm.code_record(m, vm.jit.compiled(m).unwrap()))
        .collect()
}

#[test]
fn a_line_table_has_one_row_per_change_of_line_and_the_last_entry_wins() {
    // bytecode lines: 0→3, 1→3, 2→4, 3→5; bytecodes 2 and 3 start at the same offset.
    let lines = [3, 3, 4, 5];
    let pc_map = [(0, 0), (8, 1), (20, 2), (20, 3), (30, 1)];
    assert_eq!(
        CodeRecord::line_table(&pc_map, &lines),
        vec![(0, 3), (20, 5), (30, 3)]
    );
}

/// Whether the code of `b` saves the caller's frame and base pointers on the machine stack: sends
/// and the slow paths that may send (`templates::slow_sending`).
fn saves_frame_fields(b: &Bytecode) -> bool {
    use Bytecode::*;
    matches!(
        b,
        Send(_)
            | SuperSend(_)
            | At(_)
            | AtPut(_)
            | Div(_)
            | Mod(_)
            | Add(_)
            | Sub(_)
            | Mul(_)
            | Lt(_)
            | Gt(_)
            | Le(_)
            | Ge(_)
            | Eq(_)
            | Ne(_)
    )
}

/// Asserts that the frame layout of every method `vm` compiled is described, with the
/// send template's saved words (CFA = rsp + 8 + `SAVED_BYTES`) exactly in methods that
/// send or have a slow path that may send.
fn assert_frames_described(vm: &Vm, program: &str) -> usize {
    let mut described = 0;
    for m in vm.jit.compiled_methods() {
        let c = vm.jit.compiled(m).unwrap();
        let r = vm.code_record(m, c);
        let changes = frame::describe(&r.bytes, r.address, &r.entries, false)
            .unwrap_or_else(|e| panic!("{program}: {}: {}", r.name, e.0));
        let sends = c.code.bytecodes.iter().any(saves_frame_fields);
        let pushes = changes
            .iter()
            .any(|c| matches!(c, FrameChange::CfaOffset { cfa, .. } if *cfa == 8 + SAVED_BYTES));
        assert_eq!(sends, pushes, "{program}: {}: {changes:?}", r.name);
        described += 1;
    }
    described
}

#[test]
fn the_frame_layout_of_every_compiled_method_is_described() {
    let benches = repo().join("benches/som");
    let harness = benches.join("BenchHarness.som");
    for bench in ["Dispatch", "Closures", "Sort", "Trees", "Graph", "Towers"] {
        let options = Options {
            class_path: vec![benches.clone()],
            ..Options::default()
        };
        let vm = run(options, &harness, &[bench, "1", "1"]);
        let described = assert_frames_described(&vm, bench);
        assert!(described > 10, "{bench}: {described} methods");
    }
}

#[test]
fn the_frame_layout_is_described_across_the_golden_corpus() {
    let mut files = Vec::new();
    let mut dirs = vec![repo().join("tests/som")];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() && !p.ends_with("support") {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "som") {
                files.push(p);
            }
        }
    }
    assert!(files.len() > 100);
    let mut described = 0;
    for file in files {
        let mut options = Options {
            class_path: vec![repo().join("tests/som/support")],
            max_heap: 64 << 20,
            max_tier: 1,
            jit_threshold: 0,
            ..Options::default()
        };
        crate::driver::run::add_program_dir(&mut options, &file);
        let mut vm = Vm::boot(options).expect("boot");
        vm.output = crate::runtime::io::Output::capture(false);
        // Errors, exits and failures are part of the corpus: only the code matters.
        vm.run_program(&file, &[]);
        described += assert_frames_described(&vm, &file.display().to_string());
    }
    assert!(described > 1000, "{described} methods");
}

#[test]
fn addr2line_reads_the_pc_map_back_from_the_elf_images() {
    let dir = scratch("elf");
    let options = Options {
        jit_elf_dir: Some(dir.clone()),
        ..Options::default()
    };
    let vm = run(options, &recurse_som(), &[]);
    let mut checked = 0;
    for m in vm.jit.compiled_methods() {
        let c = vm.jit.compiled(m).unwrap();
        let record = vm.code_record(m, c);
        let name: String = record
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let path = dir.join(format!("{:x}-{name}.o", c.address));
        let loader =
            addr2line::Loader::new(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for &(offset, bci) in c.pc_map.iter() {
            if offset as usize >= c.size {
                continue;
            }
            // The instruction at `offset` belongs to the last pc-map entry there.
            let last = c.pc_map.iter().rev().find(|e| e.0 == offset).unwrap();
            let want = c.code.lines[last.1 as usize];
            let address = c.address + offset as u64;
            let loc = loader.find_location(address).unwrap().expect("a location");
            assert_eq!(
                loc.line,
                Some(want),
                "{} at +{offset} (bci {bci})",
                record.name
            );
            assert_eq!(loc.file, Some(record.file.as_str()), "{}", record.name);
            let mut frames = loader.find_frames(address).unwrap();
            let f = frames.next().unwrap().expect("a frame");
            let fname = f.function.unwrap();
            assert_eq!(fname.raw_name().unwrap(), record.name);
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked} pc-map entries checked");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn code_is_registered_with_gdb_and_unregistered_when_the_vm_goes() {
    let before = ffi::registered_count();
    let vm = run(
        Options {
            gdb_jit: true,
            ..Options::default()
        },
        &recurse_som(),
        &[],
    );
    let methods = vm.jit.stats.methods_compiled as usize;
    assert!(methods > 3);
    // Every method and the entry trampoline.
    assert_eq!(ffi::registered_count(), before + methods + 1);
    assert!(vm.jit.stats.debug_info_time > std::time::Duration::ZERO);
    drop(vm);
    assert_eq!(ffi::registered_count(), before);
}

#[test]
fn the_jitdump_file_holds_a_load_per_compiled_method_with_its_lines() {
    let dir = scratch("jitdump");
    let options = Options {
        jitdump_dir: Some(dir.clone()),
        ..Options::default()
    };
    let vm = run(options, &recurse_som(), &[]);
    let path = dir.join(format!("jit-{}.dump", std::process::id()));
    let data = std::fs::read(&path).expect("jitdump written");
    let (pid, records) = jitdump::parse(&data).expect("a valid jitdump");
    assert_eq!(pid, std::process::id());
    let loads: Vec<(&String, u64, &Vec<u8>)> = records
        .iter()
        .filter_map(|r| match r {
            Record::Load {
                name,
                address,
                bytes,
            } => Some((name, *address, bytes)),
            _ => None,
        })
        .collect();
    assert_eq!(loads.len() as u64, vm.jit.stats.methods_compiled + 1);
    assert_eq!(loads[0].0, "som_jit_entry");
    let expected = records_by_address(&vm);
    for (i, r) in records.iter().enumerate() {
        let Record::DebugInfo { address, entries } = r else {
            continue;
        };
        // Each debug-info record comes right before the load of the same code (or its
        // unwinding record, then the load).
        let next = match records.get(i + 1) {
            Some(Record::Unwinding { .. }) => records.get(i + 2),
            other => other,
        };
        let Some(Record::Load { address: a, .. }) = next else {
            panic!("debug info without its load");
        };
        assert_eq!(a, address);
        let want = &expected[address];
        let got: Vec<(u32, u32)> = entries[..entries.len() - 1]
            .iter()
            .map(|(at, line, file)| {
                assert_eq!(file, &want.file);
                ((at - address) as u32, *line)
            })
            .collect();
        assert_eq!(got, want.lines, "{}", want.name);
    }
    for (name, address, bytes) in &loads[1..] {
        let want = &expected[address];
        assert_eq!(*name, &want.name);
        assert_eq!(*bytes, &want.bytes);
    }
    assert!(loads.iter().any(|l| l.0 == "Recurse>>down:"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn records_by_address(vm: &Vm) -> std::collections::HashMap<u64, CodeRecord> {
    records(vm).into_iter().map(|r| (r.address, r)).collect()
}

#[test]
fn each_jitdump_load_has_eh_frame_unwinding_pointing_at_its_code() {
    let dir = scratch("jitdump-unwinding");
    let options = Options {
        jitdump_dir: Some(dir.clone()),
        ..Options::default()
    };
    let _vm = run(options, &recurse_som(), &[]);
    let path = dir.join(format!("jit-{}.dump", std::process::id()));
    let (_, records) = jitdump::parse(&std::fs::read(&path).unwrap()).unwrap();
    let mut checked = 0;
    for pair in records.windows(2) {
        let [Record::Unwinding { data, hdr_size }, Record::Load { bytes, name, .. }] = pair else {
            continue;
        };
        let i32_at = |at: usize| i32::from_le_bytes(data[at..at + 4].try_into().unwrap()) as i64;
        let u32_at = |at: usize| u32::from_le_bytes(data[at..at + 4].try_into().unwrap()) as i64;
        let hdr = data.len() - *hdr_size as usize;
        let code_start = -(bytes.len().next_multiple_of(8) as i64);
        // The header: version 1, pc-relative .eh_frame pointer, one FDE.
        assert_eq!(&data[hdr..hdr + 4], &[1, 0x1b, 0x03, 0x3b], "{name}");
        assert_eq!(
            hdr as i64 + 4 + i32_at(hdr + 4),
            0,
            "{name}: .eh_frame start"
        );
        assert_eq!(u32_at(hdr + 8), 1);
        assert_eq!(
            hdr as i64 + i32_at(hdr + 12),
            code_start,
            "{name}: table start"
        );
        let fde = (hdr as i64 + i32_at(hdr + 16)) as usize;
        // The FDE: its CIE pointer leads back to offset 0, pc_begin to the code.
        assert_eq!(
            fde as i64 + 4 - u32_at(fde + 4),
            0,
            "{name}: CIE of the FDE"
        );
        assert_eq!(
            fde as i64 + 8 + i32_at(fde + 8),
            code_start,
            "{name}: pc_begin"
        );
        assert_eq!(u32_at(fde + 12), bytes.len() as i64, "{name}: pc_range");
        assert_eq!(u32_at(hdr - 4), 0, "the terminator");
        checked += 1;
    }
    assert!(checked >= 2, "{checked} unwinding records");
    let _ = std::fs::remove_dir_all(&dir);
}
