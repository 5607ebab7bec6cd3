//! Structural limits of the compiler, end to end through the `som` binary in every tier
//! configuration: programs at a limit run (and agree across tiers), programs past it are
//! refused with `file:line:column: message` naming the limit (exit status 2); nested
//! inlined constructs compile to bytecode linear in their source; a byte that is not
//! UTF-8 is reported at its line and column.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The tier configurations a program must agree in.
const CONFIGS: &[&[&str]] = &[
    &["--max-tier", "0"],
    &["--max-tier", "1", "--jit-threshold", "0"],
    &["--max-tier", "2", "--jit-threshold", "0"],
    &[],
];

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let p = std::env::temp_dir().join(format!("som-limits-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }

    /// Writes `<name>.som` and answers its path.
    fn write(&self, name: &str, source: &[u8]) -> PathBuf {
        let path = self.0.join(format!("{name}.som"));
        std::fs::write(&path, source).unwrap();
        path
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `file` in every configuration; answers (status, stdout, stderr), the same in all.
fn run_everywhere(file: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut first: Option<(i32, String, String)> = None;
    for config in CONFIGS {
        let out = Command::new(env!("CARGO_BIN_EXE_som"))
            .args(*config)
            .args(extra)
            .arg(file)
            .output()
            .expect("run som");
        let got = (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        );
        match &first {
            None => first = Some(got),
            Some(f) => assert_eq!(f, &got, "{config:?} disagrees with --max-tier 0"),
        }
    }
    first.unwrap()
}

fn assert_refused(file: &Path, line_col: &str, message: &str) {
    let (status, out, err) = run_everywhere(file, &[]);
    assert_eq!(status, 2, "stdout {out:?} stderr {err:?}");
    let want = format!("{}:{line_col}: {message}", file.display());
    assert_eq!(err.trim_end(), want);
}

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

#[test]
fn seventy_thousand_locals_are_refused_naming_the_frame_slot_limit() {
    let dir = Dir::new("locals");
    let locals = names("a", 70_000).join(" ");
    let src = format!("Locals = (\n  run = ( | {locals} | a0 := 1. a65536 := 2. a0 println )\n)\n");
    let file = dir.write("Locals", src.as_bytes());
    assert_refused(
        &file,
        "2:3",
        "too many variables (frame slots) in one method (70001, limit 65535)",
    );
}

#[test]
fn block_locals_past_the_limit_are_refused_too() {
    let dir = Dir::new("block-locals");
    let locals = names("b", 65_600).join(" ");
    let src = format!("BlockLocals = (\n  run = ( [ | {locals} | b0 ] value println )\n)\n");
    let file = dir.write("BlockLocals", src.as_bytes());
    assert_refused(
        &file,
        "2:11",
        "too many variables (frame slots) in one block (65601, limit 65535)",
    );
}

#[test]
fn locals_below_the_limit_are_distinct_variables_in_every_tier() {
    let dir = Dir::new("many-locals");
    let locals = names("a", 20_000).join(" ");
    let src = format!(
        "ManyLocals = ( run = ( | {locals} | a0 := 1. a19999 := 2. a4464 := 3. \
         (a0 + a19999 + a4464) println ) )\n"
    );
    let file = dir.write("ManyLocals", src.as_bytes());
    assert_eq!(run_everywhere(&file, &[]), (0, "6\n".into(), String::new()));
}

#[test]
fn seventy_thousand_fields_are_refused_naming_the_field_limit() {
    let dir = Dir::new("fields");
    let fields = names("f", 70_000).join(" ");
    let src = format!("Fields = (\n  | {fields} |\n  run = ( f0 := 1. f4464 println )\n)\n");
    let file = dir.write("Fields", src.as_bytes());
    assert_refused(
        &file,
        "1:1",
        "too many fields in class Fields (70000 with inherited ones, limit 65535)",
    );
}

#[test]
fn a_send_with_256_arguments_is_refused_and_255_work() {
    let dir = Dir::new("args");
    let keywords = |n: usize, arg: &dyn Fn(usize) -> String| -> String {
        (0..n)
            .map(|i| format!("k{i}: {}", arg(i)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let call = keywords(256, &|i| i.to_string());
    let src = format!("Args = (\n  run = ( (self {call}) println )\n)\n");
    let file = dir.write("Args", src.as_bytes());
    assert_refused(
        &file,
        "2:17",
        "too many arguments in one send (256, limit 255)",
    );

    let def = keywords(256, &|i| format!("p{i}"));
    let src = format!("ArgsDef = (\n  run = ( 1 println )\n  {def} = ( ^ p255 )\n)\n");
    let file = dir.write("ArgsDef", src.as_bytes());
    assert_refused(&file, "3:3", "too many arguments (256, limit 255)");

    let call = keywords(255, &|i| i.to_string());
    let def = keywords(255, &|i| format!("p{i}"));
    let src = format!(
        "Args255 = ( run = ( (self {call}) println. (self perform: #{} withArguments: \
         (Array new: 255 withAll: 7)) println ) {def} = ( ^ p0 + p254 ) )\n",
        (0..255).map(|i| format!("k{i}:")).collect::<String>()
    );
    let file = dir.write("Args255", src.as_bytes());
    assert_eq!(
        run_everywhere(&file, &[]),
        (0, "254\n14\n".into(), String::new())
    );
}

/// `n` `whileTrue:` loops nested in one method (the innermost counts).
fn nested_loops(n: usize) -> String {
    let mut inner = "x := x + 1".to_string();
    for _ in 0..n {
        inner = format!("[x < 1] whileTrue: [ {inner} ]");
    }
    format!("Deep = ( run = ( | x | x := 0. {inner}. x println ) )\n")
}

/// The number of bytecodes `--disassemble Deep` lists (every method and block).
fn bytecode_count(file: &Path) -> usize {
    let out = Command::new(env!("CARGO_BIN_EXE_som"))
        .args(["--disassemble", "Deep"])
        .arg(file)
        .output()
        .expect("run som");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .count()
}

#[test]
fn nested_inlined_loops_compile_to_bytecode_linear_in_their_source() {
    let dir = Dir::new("inline");
    let deep = dir.write("Deep", nested_loops(255).as_bytes());
    let started = std::time::Instant::now();
    assert_eq!(run_everywhere(&deep, &[]), (0, "1\n".into(), String::new()));
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    let big = bytecode_count(&deep);
    let half = dir.write("Deep", nested_loops(127).as_bytes());
    let small = bytecode_count(&half);
    // 255 levels once took 19.7 million bytecodes (every fallback held the whole tree).
    assert!(big < 60_000, "{big} bytecodes for 255 nested loops");
    assert!(
        (big as f64) < 2.3 * small as f64,
        "255 levels: {big} bytecodes, 127 levels: {small}: not linear"
    );
}

#[test]
fn a_non_boolean_deep_inside_nested_inlined_code_still_gets_the_real_message() {
    let dir = Dir::new("fallback");
    let mut inner = "c ifTrue: [ 'deep' println ]".to_string();
    for _ in 0..20 {
        inner = format!("true ifTrue: [ {inner} ]");
    }
    let src = format!(
        "Fallback = ( run = ( | c | c := Truthy new. {inner}. \
         (Truthy new and: [ true ifTrue: [ c ifTrue: [ 'nested' println ] ] ]) println ) )\n"
    );
    let file = dir.write("Fallback", src.as_bytes());
    dir.write(
        "Truthy",
        b"Truthy = ( ifTrue: b = ( ^ b value ) and: b = ( ^ b value ) )\n",
    );
    assert_eq!(
        run_everywhere(&file, &[]),
        (0, "deep\nnested\nnested\n".into(), String::new())
    );
}

#[test]
fn a_byte_that_is_not_utf8_is_reported_at_its_line_and_column() {
    let dir = Dir::new("utf8");
    let file = dir.write(
        "Latin1",
        b"Latin1 = (\n  \"caf\xe9\" run = ( 1 println )\n)\n",
    );
    assert_refused(&file, "2:7", "invalid UTF-8 byte 0xe9");
    // In a class loaded from the class path, too.
    let dir2 = Dir::new("utf8-lib");
    dir2.write("Latin2", b"Latin2 = ( x = ( ^ '\xff' ) )\n");
    let main = dir.write(
        "UsesLatin2",
        b"UsesLatin2 = ( run = ( Latin2 new x println ) )\n",
    );
    let (status, _, err) = run_everywhere(&main, &["-cp", dir2.0.to_str().unwrap()]);
    assert_eq!(status, 2, "{err}");
    assert!(
        err.ends_with("Latin2.som:1:21: invalid UTF-8 byte 0xff\n"),
        "{err}"
    );
}
