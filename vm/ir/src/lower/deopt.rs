//! The deopt table a compiled function comes with: per deopt exit, its id, why it leaves,
//! the frames to rebuild (innermost first) with where each slot's value lives (a slot of
//! the deopt buffer, a constant word, or a virtual object to re-materialize), and the
//! types of the buffer slots; plus the decoding of a compiled function's exit status.

use crate::types::Type;
use std::fmt::{self, Write};

/// Why a deopt exit is taken.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum DeoptReason {
    /// `guard_int` failed: not a small integer.
    NotInt,
    /// `guard_float` failed: not an immediate double.
    NotFloat,
    /// `guard_class` failed: not an object of the expected class.
    WrongClass,
    /// `guard_true` or `guard_false` failed.
    Condition,
    /// Checked arithmetic overflowed the small-integer range.
    Overflow,
    /// After a send or block call the VM asked compiled code to leave (invalidation,
    /// unwinding); the call's result is in the buffer.
    AfterCall,
    /// `deopt`: an unconditional exit (a path the compiler did not compile).
    Unconditional,
}

/// Where one slot's value is found on a deopt.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum DeoptSlot {
    /// The deopt buffer's slot n (8 bytes; its type is `DeoptExit::buffer_types[n]`).
    Buffer(u32),
    /// A constant tagged word.
    Const(u64),
    /// `DeoptExit::virtuals[n]`, to be allocated and filled.
    Virtual(u32),
}

/// One interpreter frame to rebuild.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DeoptFrame {
    pub method: u32,
    pub bci: u32,
    pub slots: Vec<DeoptSlot>,
}

/// An object to re-materialize: class word, size and fields by byte offset.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DeoptVirtual {
    pub class: u64,
    pub size: u32,
    pub fields: Vec<(u32, DeoptSlot)>,
}

/// One deopt exit of a compiled function.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DeoptExit {
    /// The id the function returns in its status (as `ExitStatus::Deopt(id)`).
    pub id: u32,
    pub reason: DeoptReason,
    /// Innermost activation first; each later one is the caller of the one before.
    pub frames: Vec<DeoptFrame>,
    pub virtuals: Vec<DeoptVirtual>,
    /// Type of each deopt-buffer slot written by this exit: a word as is, an int untagged,
    /// a float as its IEEE bits, a bool as 0 or 1.
    pub buffer_types: Vec<Type>,
    /// For `AfterCall`: the buffer slot holding the call's result (a word), which the
    /// interpreter pushes when it resumes after the send at the innermost frame's bci.
    pub call_result: Option<u32>,
}

/// What a compiled function's second return word says.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum ExitStatus {
    /// A normal return; the first word is the result.
    Return,
    /// A block's non-local return; the first word is the value, the VM unwinds to the home.
    NonLocalReturn,
    /// A deopt exit with this id; the deopt buffer holds the values its table entry names.
    Deopt(u32),
}

impl ExitStatus {
    /// Status word of a normal return.
    pub const RETURN: u64 = 0;
    /// Status word of a non-local return.
    pub const NON_LOCAL_RETURN: u64 = 1;

    /// The status word of a deopt exit.
    pub fn deopt_word(id: u32) -> u64 {
        id as u64 + 2
    }

    /// Decodes a status word.
    pub fn decode(word: u64) -> ExitStatus {
        match word {
            0 => ExitStatus::Return,
            1 => ExitStatus::NonLocalReturn,
            n => ExitStatus::Deopt((n - 2) as u32),
        }
    }
}

fn slot_text(s: DeoptSlot) -> String {
    match s {
        DeoptSlot::Buffer(n) => format!("buf[{n}]"),
        DeoptSlot::Const(c) => format!("{c:#x}"),
        DeoptSlot::Virtual(n) => format!("virtual{n}"),
    }
}

impl fmt::Display for DeoptExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = format!("deopt {} {:?}", self.id, self.reason);
        let types: Vec<&str> = self.buffer_types.iter().map(|t| t.name()).collect();
        let _ = write!(out, " buffer [{}]", types.join(", "));
        if let Some(r) = self.call_result {
            let _ = write!(out, " result buf[{r}]");
        }
        out.push('\n');
        for fr in &self.frames {
            let slots: Vec<String> = fr.slots.iter().map(|s| slot_text(*s)).collect();
            let _ = writeln!(
                out,
                "  frame m{} @{} [{}]",
                fr.method,
                fr.bci,
                slots.join(", ")
            );
        }
        for (n, v) in self.virtuals.iter().enumerate() {
            let fields: Vec<String> = v
                .fields
                .iter()
                .map(|(o, s)| format!("{o}: {}", slot_text(*s)))
                .collect();
            let _ = writeln!(
                out,
                "  virtual{n} class {:#x}, size {} {{{}}}",
                v.class,
                v.size,
                fields.join(", ")
            );
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::ExitStatus;

    #[test]
    fn exit_status_words_decode() {
        assert_eq!(ExitStatus::decode(0), ExitStatus::Return);
        assert_eq!(ExitStatus::decode(1), ExitStatus::NonLocalReturn);
        assert_eq!(
            ExitStatus::decode(ExitStatus::deopt_word(7)),
            ExitStatus::Deopt(7)
        );
    }
}
