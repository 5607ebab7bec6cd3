//! The VM's one door to the outside world: program output (buffered stdout, with stderr
//! writes flushing it first so the two stay in order) and every non-deterministic input
//! (time, ticks, random numbers, files read by `loadFile:`). Recording and replaying a run
//! means logging and feeding what passes through here.

use std::io::Write;

/// Program output.
pub(crate) struct Output {
    out: std::io::BufWriter<std::io::Stdout>,
}

impl Default for Output {
    fn default() -> Self {
        Output {
            out: std::io::BufWriter::with_capacity(1 << 16, std::io::stdout()),
        }
    }
}

impl Output {
    pub(crate) fn print(&mut self, s: &str) {
        let _ = self.out.write_all(s.as_bytes());
    }

    pub(crate) fn error_print(&mut self, s: &str) {
        self.flush();
        let _ = std::io::stderr().write_all(s.as_bytes());
    }

    pub(crate) fn flush(&mut self) {
        let _ = self.out.flush();
    }
}

/// Non-deterministic inputs.
pub(crate) struct Entropy {
    start: std::time::Instant,
    random_state: u64,
}

impl Default for Entropy {
    fn default() -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15);
        Entropy {
            start: std::time::Instant::now(),
            random_state: seed | 1,
        }
    }
}

impl Entropy {
    /// Milliseconds since the VM started (`System>>time`).
    pub(crate) fn time_ms(&mut self) -> i64 {
        self.start.elapsed().as_millis() as i64
    }

    /// Microseconds since the VM started (`System>>ticks`).
    pub(crate) fn ticks_us(&mut self) -> i64 {
        self.start.elapsed().as_micros() as i64
    }

    /// A uniformly distributed integer in `0..bound` (xorshift64*).
    pub(crate) fn random_below(&mut self, bound: u64) -> u64 {
        let mut x = self.random_state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.random_state = x;
        let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        if bound == 0 {
            0
        } else {
            r % bound
        }
    }

    /// The contents of a file (`System>>loadFile:`), or `None` when unreadable.
    pub(crate) fn read_file(&mut self, path: &str) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }
}
