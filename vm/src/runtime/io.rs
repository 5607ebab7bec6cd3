//! The VM's one door to the outside world: program output (buffered stdout, with stderr
//! writes flushing it first so the two stay in order, or captured in memory for tools)
//! and every non-deterministic input (time, ticks, random numbers, files read by
//! `loadFile:`). Recording a run logs what passes through `Entropy`; replaying feeds the
//! log back, so the replay sees exactly the inputs of the recording.

use std::io::Write;

/// Program output.
pub(crate) enum Output {
    /// Straight to the process's stdout and stderr.
    Process(std::io::BufWriter<std::io::Stdout>),
    /// Kept in memory (a tool runs the program): stdout and stderr bytes in one stream,
    /// in the order the program wrote them, plus the stderr part alone; with `echo`,
    /// also written to the process's stdout and stderr (a recording shows its output).
    Capture {
        all: Vec<u8>,
        errors: Vec<u8>,
        echo: bool,
    },
}

impl Default for Output {
    fn default() -> Self {
        Output::Process(std::io::BufWriter::with_capacity(
            1 << 16,
            std::io::stdout(),
        ))
    }
}

impl Output {
    pub(crate) fn capture(echo: bool) -> Output {
        Output::Capture {
            all: Vec::new(),
            errors: Vec::new(),
            echo,
        }
    }

    pub(crate) fn print(&mut self, s: &str) {
        match self {
            Output::Process(out) => {
                let _ = out.write_all(s.as_bytes());
            }
            Output::Capture { all, echo, .. } => {
                all.extend_from_slice(s.as_bytes());
                if *echo {
                    let _ = std::io::stdout().write_all(s.as_bytes());
                }
            }
        }
    }

    pub(crate) fn error_print(&mut self, s: &str) {
        match self {
            Output::Process(_) => {
                self.flush();
                let _ = std::io::stderr().write_all(s.as_bytes());
            }
            Output::Capture { all, errors, echo } => {
                all.extend_from_slice(s.as_bytes());
                errors.extend_from_slice(s.as_bytes());
                if *echo {
                    let _ = std::io::stdout().flush();
                    let _ = std::io::stderr().write_all(s.as_bytes());
                }
            }
        }
    }

    pub(crate) fn flush(&mut self) {
        if let Output::Process(out) = self {
            let _ = out.flush();
        }
    }

    /// Captured bytes so far (empty for process output).
    pub(crate) fn captured(&self) -> &[u8] {
        match self {
            Output::Process(_) => &[],
            Output::Capture { all, .. } => all,
        }
    }

    /// Lengths of the captured streams (a checkpoint keeps them).
    pub(crate) fn mark(&self) -> (usize, usize) {
        match self {
            Output::Process(_) => (0, 0),
            Output::Capture { all, errors, .. } => (all.len(), errors.len()),
        }
    }

    /// Drops what was captured after `mark` (restoring a checkpoint).
    pub(crate) fn rewind(&mut self, mark: (usize, usize)) {
        if let Output::Capture { all, errors, .. } = self {
            all.truncate(mark.0);
            errors.truncate(mark.1);
        }
    }
}

/// Where non-deterministic inputs come from.
pub(crate) enum Source {
    /// The real world.
    Live,
    /// The real world, and every answer is appended to the log.
    Record(Vec<Input>),
    /// Answers come from the log, in order.
    Replay {
        log: std::rc::Rc<[Input]>,
        cursor: usize,
    },
}

/// Non-deterministic inputs.
pub(crate) struct Entropy {
    start: std::time::Instant,
    random_state: u64,
    pub(crate) source: Source,
    /// Set when a replay asked for an input the log does not have next.
    pub(crate) diverged: Option<String>,
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
            source: Source::Live,
            diverged: None,
        }
    }
}

impl Entropy {
    /// Answers the next input: from the log when replaying (checking its kind),
    /// otherwise from `live` (and logged when recording).
    fn next(&mut self, kind: &str, live: impl FnOnce(&mut Self) -> Input) -> Input {
        if let Source::Replay { log, cursor } = &mut self.source {
            let logged = log.get(*cursor).cloned();
            match logged {
                Some(input) if input.kind() == kind => {
                    *cursor += 1;
                    return input;
                }
                other => {
                    if self.diverged.is_none() {
                        let found = other.map_or("the end of the log", |i| i.kind());
                        self.diverged =
                            Some(format!("the program asked for {kind}, the log has {found}"));
                    }
                    return live(self);
                }
            }
        }
        let input = live(self);
        if let Source::Record(log) = &mut self.source {
            log.push(input.clone());
        }
        input
    }

    /// Milliseconds since the VM started (`System>>time`).
    pub(crate) fn time_ms(&mut self) -> i64 {
        match self.next(
            "time",
            |e| Input::Time(e.start.elapsed().as_millis() as i64),
        ) {
            Input::Time(t) => t,
            _ => 0,
        }
    }

    /// Microseconds since the VM started (`System>>ticks`).
    pub(crate) fn ticks_us(&mut self) -> i64 {
        match self.next("ticks", |e| {
            Input::Ticks(e.start.elapsed().as_micros() as i64)
        }) {
            Input::Ticks(t) => t,
            _ => 0,
        }
    }

    /// A uniformly distributed integer in `0..bound` (xorshift64*).
    pub(crate) fn random_below(&mut self, bound: u64) -> u64 {
        let raw = match self.next("random", |e| Input::Random(e.xorshift())) {
            Input::Random(r) => r,
            _ => 0,
        };
        if bound == 0 {
            0
        } else {
            raw % bound
        }
    }

    fn xorshift(&mut self) -> u64 {
        let mut x = self.random_state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.random_state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// The contents of a file (`System>>loadFile:`): `Ok(None)` when unreadable (or not
    /// UTF-8), `Err(limit)` when it holds more than `LOAD_FILE_LIMIT` bytes (at most
    /// one byte past the limit is read, so an endless file such as `/dev/zero` ends).
    pub(crate) fn read_file(&mut self, path: &str) -> Result<Option<String>, u64> {
        match self.next("file", |_| read_bounded(path, LOAD_FILE_LIMIT)) {
            Input::File(f) => Ok(f),
            Input::FileTooLarge(limit) => Err(limit),
            _ => Ok(None),
        }
    }

    /// The replay cursor (a checkpoint keeps it).
    pub(crate) fn cursor(&self) -> usize {
        match &self.source {
            Source::Replay { cursor, .. } => *cursor,
            Source::Record(log) => log.len(),
            Source::Live => 0,
        }
    }

    pub(crate) fn set_cursor(&mut self, at: usize) {
        if let Source::Replay { cursor, .. } = &mut self.source {
            *cursor = at;
        }
    }
}

/// The most bytes `System>>loadFile:` reads (64 MiB).
pub(crate) const LOAD_FILE_LIMIT: u64 = 64 << 20;

/// Reads at most `limit + 1` bytes of `path`: the text, `File(None)` when unreadable or
/// not UTF-8, `FileTooLarge` when the file goes on past `limit`.
fn read_bounded(path: &str, limit: u64) -> Input {
    use std::io::Read;
    let Ok(file) = std::fs::File::open(path) else {
        return Input::File(None);
    };
    let mut bytes = Vec::new();
    if file.take(limit + 1).read_to_end(&mut bytes).is_err() {
        return Input::File(None);
    }
    if bytes.len() as u64 > limit {
        return Input::FileTooLarge(limit);
    }
    Input::File(String::from_utf8(bytes).ok())
}

/// One non-deterministic input, as recorded and replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// `System>>time`: milliseconds since start.
    Time(i64),
    /// `System>>ticks`: microseconds since start.
    Ticks(i64),
    /// The raw 64-bit draw behind `atRandom` and friends.
    Random(u64),
    /// `System>>loadFile:`: the file's text, or `None` when it could not be read.
    File(Option<String>),
    /// `System>>loadFile:` on a file longer than the limit (bytes), a SOM error.
    FileTooLarge(u64),
}

impl Input {
    /// A short name for the kind of input (used in divergence messages and logs).
    pub fn kind(&self) -> &'static str {
        match self {
            Input::Time(_) => "time",
            Input::Ticks(_) => "ticks",
            Input::Random(_) => "random",
            Input::File(_) | Input::FileTooLarge(_) => "file",
        }
    }
}
