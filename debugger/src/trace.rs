//! The recording file (`.somtrace`): what a replay needs to re-run a program exactly
//! (program, arguments, class path, every non-deterministic input) and what it must
//! reproduce (output, final clock, exit status).
//!
//! Layout: the magic line `SOMTRACE\n`, the format version (u32 little endian), the
//! payload length (u64 LE), the payload (JSON), and the CRC-32 of the payload (u32 LE).
//! A file with another magic, another version, a short payload, trailing bytes or a
//! checksum mismatch is rejected with a message saying which.

use serde::{Deserialize, Serialize};
use som_vm::introspect::Input;
use std::path::{Path, PathBuf};

const MAGIC: &[u8] = b"SOMTRACE\n";
/// Bumped whenever the payload changes shape.
pub const VERSION: u32 = 1;

/// One recorded input (the serialized form of `som_vm::introspect::Input`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum RecordedInput {
    Time {
        value: i64,
    },
    Ticks {
        value: i64,
    },
    Random {
        value: u64,
    },
    File {
        text: Option<String>,
    },
    /// `loadFile:` of a file longer than `limit` bytes (a SOM error).
    FileTooLarge {
        limit: u64,
    },
}

impl From<&Input> for RecordedInput {
    fn from(i: &Input) -> Self {
        match i {
            Input::Time(v) => RecordedInput::Time { value: *v },
            Input::Ticks(v) => RecordedInput::Ticks { value: *v },
            Input::Random(v) => RecordedInput::Random { value: *v },
            Input::File(t) => RecordedInput::File { text: t.clone() },
            Input::FileTooLarge(limit) => RecordedInput::FileTooLarge { limit: *limit },
        }
    }
}

impl From<&RecordedInput> for Input {
    fn from(r: &RecordedInput) -> Self {
        match r {
            RecordedInput::Time { value } => Input::Time(*value),
            RecordedInput::Ticks { value } => Input::Ticks(*value),
            RecordedInput::Random { value } => Input::Random(*value),
            RecordedInput::File { text } => Input::File(text.clone()),
            RecordedInput::FileTooLarge { limit } => Input::FileTooLarge(*limit),
        }
    }
}

/// A recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// The program file (absolute).
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Class path given with `-cp` (absolute).
    pub class_path: Vec<PathBuf>,
    pub inputs: Vec<RecordedInput>,
    /// Everything the program wrote (stdout and stderr, in order).
    pub output: String,
    pub final_clock: u64,
    pub exit_status: i32,
}

/// Why a trace file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceError(pub String);

impl std::fmt::Display for TraceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TraceError {}

impl Trace {
    pub fn inputs(&self) -> Vec<Input> {
        self.inputs.iter().map(Input::from).collect()
    }

    /// The file's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let payload = serde_json::to_vec(self).expect("a trace serializes");
        let mut out = Vec::with_capacity(payload.len() + 32);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&payload);
        out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        out
    }

    /// Parses a file's bytes; `name` is used in messages.
    pub fn decode(bytes: &[u8], name: &str) -> Result<Trace, TraceError> {
        let fail = |m: String| Err(TraceError(format!("{name}: {m}")));
        let Some(rest) = bytes.strip_prefix(MAGIC) else {
            return fail("not a som-dbg recording (bad magic)".into());
        };
        if rest.len() < 12 {
            return fail("truncated header".into());
        }
        let version = u32::from_le_bytes(rest[0..4].try_into().expect("4 bytes"));
        if version != VERSION {
            return fail(format!(
                "recording format version {version}, this som-dbg reads version {VERSION}"
            ));
        }
        let len = u64::from_le_bytes(rest[4..12].try_into().expect("8 bytes")) as usize;
        let body = &rest[12..];
        if body.len() < len.saturating_add(4) {
            return fail(format!(
                "truncated: payload of {len} bytes announced, {} present",
                body.len().saturating_sub(4)
            ));
        }
        if body.len() > len + 4 {
            return fail(format!(
                "{} unexpected bytes after the checksum",
                body.len() - len - 4
            ));
        }
        let (payload, sum) = body.split_at(len);
        let expected = u32::from_le_bytes(sum.try_into().expect("4 bytes"));
        if crc32fast::hash(payload) != expected {
            return fail("checksum mismatch (the file is corrupt)".into());
        }
        serde_json::from_slice(payload).or_else(|e| fail(format!("malformed payload: {e}")))
    }

    pub fn write(&self, path: &Path) -> Result<(), TraceError> {
        std::fs::write(path, self.encode())
            .map_err(|e| TraceError(format!("{}: cannot write: {e}", path.display())))
    }

    pub fn read(path: &Path) -> Result<Trace, TraceError> {
        let bytes = std::fs::read(path)
            .map_err(|e| TraceError(format!("{}: cannot read: {e}", path.display())))?;
        Trace::decode(&bytes, &path.display().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Trace {
        Trace {
            program: "/p/Main.som".into(),
            args: vec!["a".into()],
            class_path: vec!["/p".into()],
            inputs: vec![
                RecordedInput::Random { value: 7 },
                RecordedInput::File { text: None },
            ],
            output: "hi\n".into(),
            final_clock: 42,
            exit_status: 0,
        }
    }

    #[test]
    fn round_trips() {
        let t = sample();
        assert_eq!(Trace::decode(&t.encode(), "t").unwrap(), t);
    }

    #[test]
    fn every_truncation_is_rejected() {
        let bytes = sample().encode();
        for n in 0..bytes.len() {
            assert!(
                Trace::decode(&bytes[..n], "t").is_err(),
                "prefix {n} accepted"
            );
        }
    }

    #[test]
    fn every_flipped_byte_is_rejected() {
        let bytes = sample().encode();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x20;
            assert!(Trace::decode(&b, "t").is_err(), "flip at {i} accepted");
        }
    }

    #[test]
    fn wrong_version_and_trailing_bytes_are_named() {
        let mut b = sample().encode();
        b[MAGIC.len()] = 9;
        let e = Trace::decode(&b, "t").unwrap_err().0;
        assert!(e.contains("version 9"), "{e}");
        let mut b = sample().encode();
        b.push(0);
        assert!(Trace::decode(&b, "t")
            .unwrap_err()
            .0
            .contains("unexpected bytes"));
    }
}
