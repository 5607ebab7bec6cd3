//! End-to-end tests of the heap's bounds and modes on the `som` binary: `--max-heap` is a
//! hard bound (a program cannot hold more than the limit and exit 0, a concatenation
//! past it fails before it is built, and the process's peak resident memory stays
//! within the documented margin of the limit), identity hashes do not depend on
//! collection timing, and `--gc-verify` checks the heap after every collection in
//! every tier.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn som(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_som"))
        .args(args)
        .output()
        .expect("run som")
}

/// Writes `source` as `<name>.som` in a fresh temporary directory.
fn program(name: &str, source: &str) -> PathBuf {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("som-heap-{name}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.som"));
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(source.as_bytes()))
        .expect("write program");
    path
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A figure of `--stats-json` (flat object of numbers).
fn stat(json: &str, key: &str) -> f64 {
    let at = json
        .find(&format!("\"{key}\":"))
        .unwrap_or_else(|| panic!("{key} in {json}"));
    let rest = &json[at + key.len() + 3..];
    let end = rest.find([',', '}']).unwrap();
    rest[..end].parse().unwrap()
}

/// Runs `path` with `args` and `--stats-json`; answers the output and the statistics.
fn run_with_stats(path: &Path, args: &[&str]) -> (Output, String) {
    let json = path.with_extension("json");
    let mut all = vec!["--stats-json", json.to_str().unwrap()];
    all.extend_from_slice(args);
    all.push(path.to_str().unwrap());
    let out = som(&all);
    let stats = std::fs::read_to_string(&json).expect("stats written");
    (out, stats)
}

#[test]
fn a_program_cannot_hold_three_megabytes_under_a_one_megabyte_limit() {
    let src = "Hold = ( run = ( | keep | keep := nil.
        1 to: 3000 do: [ :i | keep := Array with: keep with: (Array new: 120) ].
        'held' println ) )";
    let path = program("Hold", src);
    for tier in ["0", "1"] {
        let out = som(&[
            "--max-tier",
            tier,
            "--max-heap",
            "1M",
            path.to_str().unwrap(),
        ]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "tier {tier}: {err}");
        assert!(
            err.starts_with("error: out of memory (heap limit 1 MiB)"),
            "{err}"
        );
        assert!(err.contains("Hold>>run"), "a SOM backtrace: {err}");
        assert!(!text(&out.stdout).contains("held"));
    }
}

#[test]
fn a_concatenation_past_the_limit_fails_before_it_is_built() {
    let src = "Doubling = ( run = ( | s | s := 'xxxxxxxxxxxxxxxx'.
        [ true ] whileTrue: [ s := s concatenate: s ] ) )";
    let path = program("Doubling", src);
    let (out, stats) = run_with_stats(&path, &["--max-heap", "16M"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("error: out of memory (heap limit 16 MiB)"),
        "{err}"
    );
    assert!(err.contains("Doubling>>run"), "{err}");
    assert!(
        stat(&stats, "peak_heap_bytes") <= (16 << 20) as f64,
        "{stats}"
    );
}

/// The documented margin (ARCHITECTURE.md, `gc/`): peak RSS under `--max-heap L` stays
/// below `1.25 L + 16 MiB` (the binary, the core library and allocator slack on top of
/// the heap's footprint), for mixed arrays and strings and for many tiny objects (where
/// the object table is most of the heap).
#[test]
fn resident_memory_stays_within_the_margin_of_the_limit() {
    let mixed = "Grow = ( run = ( | keep | keep := nil.
        [ true ] whileTrue: [ keep := Array with: keep with: (Array new: 30) with: ('some text' concatenate: 'more') ] ) )";
    let tiny = "Tiny = ( run = ( | keep | keep := nil.
        [ true ] whileTrue: [ keep := Array with: keep with: Object new ] ) )";
    for (name, src) in [("Grow", mixed), ("Tiny", tiny)] {
        let path = program(name, src);
        for limit in [16usize, 64] {
            let arg = format!("{limit}M");
            let (out, stats) = run_with_stats(&path, &["--max-heap", &arg]);
            assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
            assert!(text(&out.stderr).starts_with("error: out of memory"));
            let rss = stat(&stats, "peak_rss_bytes");
            let margin = (limit + limit / 4 + 16) as f64 * 1048576.0;
            assert!(
                rss > (limit << 20) as f64 * 0.75,
                "{name} did fill the heap: {rss}"
            );
            assert!(
                rss <= margin,
                "{name}, limit {limit} MiB: peak RSS {rss} over {margin}"
            );
        }
    }
}

#[test]
fn identity_hashes_and_the_clock_do_not_depend_on_collections() {
    let src = "Hashes = ( run = ( | d |
        d := Dictionary new.
        1 to: 300 do: [ :i | d at: Object new put: i. Array new: 10 ].
        (Object new hashcode) println.
        ((1 to: 20) inject: 0 into: [ :a :i | a + (Array new: 2) hashcode ]) println ) )";
    let path = program("Hashes", src);
    let mut seen = Vec::new();
    for args in [
        &[][..],
        &["--gc-stress"],
        &["--max-tier", "0"],
        &["--max-tier", "0", "--gc-stress"],
        &["--jit-threshold", "0", "--gc-stress"],
    ] {
        let (out, stats) = run_with_stats(&path, args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        seen.push((
            text(&out.stdout),
            stat(&stats, "logical_clock") as u64,
            args,
        ));
    }
    for s in &seen[1..] {
        assert_eq!(
            (&s.0, s.1),
            (&seen[0].0, seen[0].1),
            "{:?} vs no options",
            s.2
        );
    }
}

#[test]
fn gc_verify_checks_every_collection_in_every_tier() {
    let src = "Churn = ( run = ( | keep |
        keep := Array new: 50.
        1 to: 2000 do: [ :i | keep at: i % 50 + 1 put: (Array with: i with: ('x' concatenate: i asString) with: [ i ]) ].
        (keep at: 7) first println ) )";
    let path = program("Churn", src);
    for args in [&["--max-tier", "0"][..], &["--jit-threshold", "0"]] {
        let mut all = vec!["--gc-stress", "--gc-verify"];
        all.extend_from_slice(args);
        let (out, stats) = run_with_stats(&path, &all);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout), "1956\n");
        assert!(stat(&stats, "gc_count") > 2000.0, "{stats}");
        assert!(stat(&stats, "gc_max_pause_ms") >= stat(&stats, "gc_pause_p50_ms"));
    }
}
