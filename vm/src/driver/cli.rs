//! The `som` command line: option parsing, `--disassemble`, `--stats`, and running a
//! program in a thread with a large stack (the interpreter itself never recurses per
//! send, but the compiler recurses over deeply nested source).

use crate::runtime::vm::{Options, Vm};
use std::path::PathBuf;

const USAGE: &str = "usage: som [options] [-cp dir1:dir2:...] File.som [args...]

options:
  -cp PATH, --classpath PATH  class path (colon-separated), searched before the embedded core library
  --disassemble WHAT          print the bytecode of Class>>selector or of every method of Class
  --stats                     print run statistics on stderr after the run
  --stats-json FILE           write run statistics as one JSON object to FILE
  --gc-stress                 collect on every allocation (also env SOM_GC_STRESS=1)
  --gc-verify                 check the heap's invariants after every collection (also env SOM_GC_VERIFY=1)
  --max-heap SIZE             heap limit (e.g. 64M, 1G, 100000); exhaustion is a SOM error
  --max-tier N                highest execution tier (0: interpreter, 1: baseline JIT, the default, 2: optimizing JIT)
  --jit-threshold N           invocations or back-edges before a method tiers up (0: at the first call)
  --tier2-threshold N         invocations or back-edges before tier 2 (with --max-tier 2; default 10000, 0 with --jit-threshold 0)
  --tier2-sends               tier 2 also compiles methods that send (performed through the runtime: slower today)
  --deopt-stress              every tier-2 guard fails on its first executions (tests the deopt paths)
  --deopt-seed N              --deopt-stress with seed N (how many times each guard fails)
  --perf-map                  name JIT code for perf in /tmp/perf-PID.map
  --jitdump                   write jit-PID.dump (names, code, lines) for `perf inject --jit` in the current directory
  --jitdump-dir DIR           the same, in DIR
  --gdb-jit                   register JIT code with gdb (DWARF lines and CFI via the GDB JIT interface)
  --jit-elf-dir DIR           write each JIT method's ELF symbol file (DWARF lines and CFI) to DIR
  --code-cache SIZE           tier 1's code cache limit (e.g. 64M); when full, methods stay in tier 0
  -h, --help                  this text";

/// Parsed command line.
#[derive(Debug, Default)]
struct Command {
    options: Options,
    disassemble: Option<String>,
    stats: bool,
    stats_json: Option<PathBuf>,
    file: Option<PathBuf>,
    args: Vec<String>,
}

/// Parses a size such as `64M`, `1G`, `512K` or `100000`.
pub(crate) fn parse_size(s: &str) -> Result<usize, String> {
    let s = s.trim();
    let (digits, mult) = match s.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&s[..s.len() - 1], 1usize << 10),
        Some('M') => (&s[..s.len() - 1], 1 << 20),
        Some('G') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    digits
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("invalid size '{s}' (expected e.g. 64M, 1G or a byte count)"))
}

fn parse(argv: &[String]) -> Result<Command, String> {
    let mut c = Command::default();
    c.options.gc_stress = std::env::var("SOM_GC_STRESS").is_ok_and(|v| v == "1");
    c.options.gc_verify = std::env::var("SOM_GC_VERIFY").is_ok_and(|v| v == "1");
    let mut i = 0;
    let value = |i: &mut usize, name: &str| -> Result<String, String> {
        *i += 1;
        argv.get(*i)
            .cloned()
            .ok_or_else(|| format!("option {name} needs a value"))
    };
    while i < argv.len() {
        let a = argv[i].as_str();
        match a {
            "-cp" | "--classpath" => {
                let p = value(&mut i, a)?;
                c.options
                    .class_path
                    .extend(p.split(':').filter(|s| !s.is_empty()).map(PathBuf::from));
            }
            "--disassemble" => c.disassemble = Some(value(&mut i, a)?),
            "--stats" => c.stats = true,
            "--stats-json" => c.stats_json = Some(PathBuf::from(value(&mut i, a)?)),
            "--gc-stress" => c.options.gc_stress = true,
            "--gc-verify" => c.options.gc_verify = true,
            "--max-heap" => c.options.max_heap = parse_size(&value(&mut i, a)?)?,
            "--max-tier" => {
                let v = value(&mut i, a)?;
                c.options.max_tier = match v.parse::<u8>() {
                    Ok(t) if t <= 2 => t,
                    _ => return Err(format!("--max-tier expects 0, 1 or 2, got '{v}'")),
                };
            }
            "--jit-threshold" => {
                let v = value(&mut i, a)?;
                c.options.jit_threshold = v
                    .parse()
                    .map_err(|_| format!("--jit-threshold expects a count, got '{v}'"))?;
            }
            "--tier2-threshold" => {
                let v = value(&mut i, a)?;
                c.options.tier2_threshold = Some(
                    v.parse()
                        .map_err(|_| format!("--tier2-threshold expects a count, got '{v}'"))?,
                );
            }
            "--tier2-sends" => c.options.tier2_sends = true,
            "--deopt-stress" => {
                c.options.deopt_stress = Some(c.options.deopt_stress.unwrap_or(1));
            }
            "--deopt-seed" => {
                let v = value(&mut i, a)?;
                let seed = v
                    .parse()
                    .map_err(|_| format!("--deopt-seed expects a number, got '{v}'"))?;
                c.options.deopt_stress = Some(seed);
            }
            "--perf-map" => c.options.perf_map = true,
            "--jitdump" => c.options.jitdump_dir = Some(PathBuf::from(".")),
            "--jitdump-dir" => c.options.jitdump_dir = Some(PathBuf::from(value(&mut i, a)?)),
            "--gdb-jit" => c.options.gdb_jit = true,
            "--jit-elf-dir" => c.options.jit_elf_dir = Some(PathBuf::from(value(&mut i, a)?)),
            "--code-cache" => c.options.code_cache = parse_size(&value(&mut i, a)?)?,
            "-h" | "--help" => return Err(String::new()),
            _ if a.starts_with('-') && c.file.is_none() => {
                return Err(format!("unknown option '{a}'"));
            }
            _ => {
                c.file = Some(PathBuf::from(a));
                c.args = argv[i + 1..].to_vec();
                break;
            }
        }
        i += 1;
    }
    Ok(c)
}

/// Entry point of the `som` binary: answers the process exit status.
pub fn main(argv: Vec<String>) -> i32 {
    let command = match parse(&argv[1.min(argv.len())..]) {
        Ok(c) => c,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return 0;
        }
        Err(e) => {
            eprintln!("som: {e}\n{USAGE}");
            return 64;
        }
    };
    let handle = std::thread::Builder::new()
        .name("som".into())
        .stack_size(512 << 20)
        .spawn(move || run(command))
        .expect("spawn the VM thread");
    handle.join().unwrap_or(70)
}

fn run(mut c: Command) -> i32 {
    let Some(file) = c.file.take() else {
        eprintln!("som: no program file given\n{USAGE}");
        return 64;
    };
    if let Err(e) = check_output_dirs(&c.options) {
        eprintln!("som: {e}");
        return 74;
    }
    crate::driver::run::add_program_dir(&mut c.options, &file);
    let mut vm = match Vm::boot(c.options) {
        Ok(vm) => vm,
        Err(e) => {
            let mut vm = Vm::empty(Options::default());
            return crate::driver::run::report_load_error(&mut vm, &e);
        }
    };
    if let Some(what) = c.disassemble {
        return disassemble(&mut vm, &file, &what);
    }
    let status = vm.run_program(&file, &c.args);
    if c.stats {
        vm.output.error_print(&vm.stats_report());
    }
    if let Some(path) = &c.stats_json {
        if let Err(e) = std::fs::write(path, vm.stats_json()) {
            eprintln!("som: --stats-json: cannot write {}: {e}", path.display());
            return 74;
        }
    }
    status
}

/// The directories of `--jit-elf-dir` (created if missing) and `--jitdump-dir` (must
/// exist) before anything runs.
fn check_output_dirs(options: &Options) -> Result<(), String> {
    if let Some(dir) = &options.jit_elf_dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("--jit-elf-dir: cannot create {}: {e}", dir.display()))?;
    }
    if let Some(dir) = &options.jitdump_dir {
        if !dir.is_dir() {
            return Err(format!(
                "--jitdump-dir: {} is not a directory",
                dir.display()
            ));
        }
    }
    Ok(())
}

fn disassemble(vm: &mut Vm, file: &std::path::Path, what: &str) -> i32 {
    if let Err(e) = vm.load_class_file(file) {
        return crate::driver::run::report_load_error(vm, &e);
    }
    let (class_name, selector) = match what.split_once(">>") {
        Some((c, s)) => (c.trim(), Some(s.trim())),
        None => (what.trim(), None),
    };
    let (base, meta) = match class_name.strip_suffix(" class") {
        Some(b) => (b, true),
        None => (class_name, false),
    };
    let class = match vm.load_class(base) {
        Ok(Some(c)) => c,
        Ok(None) => {
            eprintln!("som: --disassemble: no class named {base}");
            return 1;
        }
        Err(e) => return crate::driver::run::report_load_error(vm, &e),
    };
    let class = if meta {
        vm.heap.get(class).class
    } else {
        class
    };
    let methods: Vec<crate::ids::MethodId> = {
        let data = vm.heap.class_data(class);
        data.method_objects
            .iter()
            .filter_map(|&o| match vm.heap.get(o).body {
                crate::object::heap::Body::Method(m) => Some(m),
                _ => None,
            })
            .collect()
    };
    let mut found = false;
    for m in methods {
        let sel = vm.symbol_text(vm.methods[m.index()].signature).to_string();
        if selector.is_none_or(|s| s == sel) {
            found = true;
            print!("{}", vm.disassemble(m));
        }
    }
    if !found {
        eprintln!(
            "som: --disassemble: {class_name} has no method {}",
            selector.unwrap_or("")
        );
        return 1;
    }
    0
}
