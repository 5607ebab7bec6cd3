//! Errors: SOM-level errors with their SOM backtrace, class-loading errors, and the
//! `Unwind` that carries an error or a `system exit:` out of the interpreter loop.

use crate::object::heap::MethodId;
use crate::runtime::vm::{Vm, MAX_FRAMES};
use std::fmt;

/// One line of a SOM backtrace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacktraceFrame {
    /// `Class>>selector`, `[] in Class>>selector`, or a primitive's name.
    pub method: String,
    /// `file:line`, or `None` for a primitive.
    pub location: Option<(String, u32)>,
}

impl fmt::Display for BacktraceFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.method.starts_with("...") {
            return write!(f, "  {}", self.method);
        }
        match &self.location {
            Some((file, line)) => write!(f, "  at {} ({}:{})", self.method, file, line),
            None => write!(f, "  at {} (primitive)", self.method),
        }
    }
}

/// An uncaught SOM error.
#[derive(Debug, Clone)]
pub struct SomError {
    pub message: String,
    pub backtrace: Vec<BacktraceFrame>,
}

impl fmt::Display for SomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        for frame in &self.backtrace {
            writeln!(f, "{frame}")?;
        }
        Ok(())
    }
}

/// A class that could not be loaded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LoadError {
    #[error("{file}:{line}:{col}: {message}")]
    Syntax {
        file: String,
        line: u32,
        col: u32,
        message: String,
    },
    #[error("{0}")]
    Other(String),
}

/// What leaves the interpreter loop early.
#[derive(Debug)]
pub enum Unwind {
    Error(SomError),
    Exit(i32),
    Load(LoadError),
    /// A monitor asked the monitored loop to stop (frames are left intact, resumable).
    Pause,
}

/// A primitive's failure: a message (the VM adds the backtrace) or an unwind it caused
/// (`system exit:`, a class that failed to load).
#[derive(Debug)]
pub(crate) enum PrimError {
    Message(String),
    Unwind(Unwind),
}

impl From<String> for PrimError {
    fn from(s: String) -> Self {
        PrimError::Message(s)
    }
}

impl From<&str> for PrimError {
    fn from(s: &str) -> Self {
        PrimError::Message(s.to_string())
    }
}

impl From<Unwind> for PrimError {
    fn from(u: Unwind) -> Self {
        PrimError::Unwind(u)
    }
}

impl Vm {
    /// `Class>>selector` of a method (`[] in Class>>selector` for a block).
    pub(crate) fn method_name(&self, m: MethodId) -> String {
        let method = &self.methods[m.index()];
        let holder = self.class_name(method.holder);
        let sel = self.symbol_text(method.signature);
        match method.outer_method {
            Some(_) => format!("[] in {holder}>>{sel}"),
            None => format!("{holder}>>{sel}"),
        }
    }

    /// The SOM backtrace of the current stack, innermost first.
    pub(crate) fn backtrace(&self) -> Vec<BacktraceFrame> {
        let mut out = Vec::new();
        for f in self.frames.iter().rev() {
            let method = &self.methods[f.method.index()];
            let code = self.code_of(f.method);
            let pc = (f.pc as usize).saturating_sub(1);
            let line = code.lines.get(pc).copied().unwrap_or(method.line);
            out.push(BacktraceFrame {
                method: self.method_name(f.method),
                location: Some((method.file.to_string(), line)),
            });
        }
        out
    }

    pub(crate) fn error(&self, message: String) -> Unwind {
        Unwind::Error(SomError {
            message,
            backtrace: self.backtrace(),
        })
    }

    pub(crate) fn primitive_error(&self, method: MethodId, e: PrimError) -> Unwind {
        let message = match e {
            PrimError::Message(m) => m,
            PrimError::Unwind(u) => return u,
        };
        let mut backtrace = vec![BacktraceFrame {
            method: self.method_name(method),
            location: None,
        }];
        backtrace.extend(self.backtrace());
        Unwind::Error(SomError { message, backtrace })
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn stack_overflow(&self) -> Unwind {
        let mut e = match self.error(format!(
            "stack overflow (more than {MAX_FRAMES} nested activations)"
        )) {
            Unwind::Error(e) => e,
            _ => unreachable!(),
        };
        // A hundred thousand identical lines help nobody: keep both ends.
        if e.backtrace.len() > 40 {
            let omitted = e.backtrace.len() - 30;
            let tail = e.backtrace.split_off(e.backtrace.len() - 10);
            e.backtrace.truncate(20);
            e.backtrace.push(BacktraceFrame {
                method: format!("... {omitted} more frames ..."),
                location: None,
            });
            e.backtrace.extend(tail);
        }
        Unwind::Error(e)
    }

    pub(crate) fn out_of_memory(&self) -> Unwind {
        let mib = self.options.max_heap as f64 / (1024.0 * 1024.0);
        self.error(format!("out of memory (heap limit {mib:.0} MiB)"))
    }
}
