//! The benchmark suite: our programs (each exists in SOM, Lua and Python under
//! `benches/`), their default inner sizes, and where the sources live.

use std::path::{Path, PathBuf};

/// One benchmark and the inner size that makes an iteration take tens of milliseconds
/// in the interpreter.
#[derive(Debug, Clone, Copy)]
pub struct Benchmark {
    pub name: &'static str,
    pub inner: u32,
    pub what: &'static str,
}

pub const SUITE: &[Benchmark] = &[
    Benchmark {
        name: "Dispatch",
        inner: 100,
        what: "message sends and polymorphism",
    },
    Benchmark {
        name: "Sieve",
        inner: 10,
        what: "integer loops",
    },
    Benchmark {
        name: "Sort",
        inner: 8,
        what: "arrays (quicksort)",
    },
    Benchmark {
        name: "Mandel",
        inner: 4,
        what: "float arithmetic",
    },
    Benchmark {
        name: "Trees",
        inner: 15,
        what: "allocation-heavy code",
    },
    Benchmark {
        name: "Closures",
        inner: 30,
        what: "closures and non-local returns",
    },
    Benchmark {
        name: "StringHash",
        inner: 3,
        what: "strings and hashing",
    },
    Benchmark {
        name: "Queens",
        inner: 20,
        what: "a recursive puzzle",
    },
    Benchmark {
        name: "Graph",
        inner: 4,
        what: "an object-graph workload",
    },
    Benchmark {
        name: "Fib",
        inner: 12,
        what: "recursive sends",
    },
    Benchmark {
        name: "Towers",
        inner: 4,
        what: "a recursive puzzle with data",
    },
    Benchmark {
        name: "Matrix",
        inner: 8,
        what: "nested arrays",
    },
    Benchmark {
        name: "Collatz",
        inner: 2,
        what: "integer loops with while",
    },
];

/// The `benches/` folder (sources of the programs), found from the executable's
/// location in a checkout or from the crate's manifest directory at build time.
pub fn benches_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("SOM_BENCHES_DIR") {
        return PathBuf::from(dir);
    }
    let built_in = Path::new(env!("CARGO_MANIFEST_DIR"));
    if built_in.join("som").is_dir() {
        return built_in.to_path_buf();
    }
    PathBuf::from("benches")
}

/// The `som` binary: `--som`, else next to this executable, else on `PATH`.
pub fn som_binary(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Ok(exe) = std::env::current_exe() {
        let sibling = exe.with_file_name("som");
        if sibling.exists() {
            return sibling;
        }
    }
    PathBuf::from("som")
}
