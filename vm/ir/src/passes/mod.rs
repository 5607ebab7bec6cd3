//! The optimisation passes, one module each, and the pipeline that runs them in order,
//! verifying and printing the IR after every pass when asked.

pub mod bce;
pub mod const_fold;
pub mod dce;
pub mod escape;
pub mod guard_elim;
pub mod gvn;
pub mod inline;
pub mod licm;
pub mod params;

use crate::function::Function;
use crate::verify::{verify, VerifyError};

/// One pass of the pipeline.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Pass {
    ConstFold,
    Dce,
    Gvn,
    GuardElim,
    Licm,
    Bce,
    Escape,
    Params,
}

impl Pass {
    /// Every pass with its name (as written in filetests and dumps).
    pub const ALL: [(Pass, &'static str); 8] = [
        (Pass::ConstFold, "const_fold"),
        (Pass::Dce, "dce"),
        (Pass::Gvn, "gvn"),
        (Pass::GuardElim, "guard_elim"),
        (Pass::Licm, "licm"),
        (Pass::Bce, "bce"),
        (Pass::Escape, "escape"),
        (Pass::Params, "params"),
    ];

    /// The pass's name.
    pub fn name(self) -> &'static str {
        crate::inst::name_of(&Pass::ALL, self)
    }

    /// The pass of a name.
    pub fn from_name(name: &str) -> Option<Pass> {
        crate::inst::from_name(&Pass::ALL, name)
    }

    /// Runs the pass on `func`.
    pub fn run(self, func: &mut Function) {
        match self {
            Pass::ConstFold => const_fold::run(func),
            Pass::Dce => dce::run(func),
            Pass::Gvn => gvn::run(func),
            Pass::GuardElim => guard_elim::run(func),
            Pass::Licm => licm::run(func),
            Pass::Bce => bce::run(func),
            Pass::Escape => escape::run(func),
            Pass::Params => params::run(func),
        }
    }
}

/// The default tier-2 pipeline, in order.
pub const DEFAULT_PIPELINE: [Pass; 11] = [
    Pass::Params,
    Pass::ConstFold,
    Pass::GuardElim,
    Pass::Gvn,
    Pass::Licm,
    Pass::Bce,
    Pass::Escape,
    Pass::ConstFold,
    Pass::GuardElim,
    Pass::Gvn,
    Pass::Dce,
];

/// What the pipeline does besides transforming.
#[derive(Copy, Clone, Debug, Default)]
pub struct PipelineOptions {
    /// Run the verifier after every pass (and before the first).
    pub verify: bool,
    /// Keep the text of the IR after every pass.
    pub print: bool,
}

/// The IR's text after one pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassDump {
    pub pass: &'static str,
    pub text: String,
}

/// A pass left the IR invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("after {pass}: {error}")]
pub struct PipelineError {
    pub pass: &'static str,
    pub error: VerifyError,
}

/// Runs `passes` over `func` in order; returns the dumps asked for.
pub fn run_pipeline(
    func: &mut Function,
    passes: &[Pass],
    opts: PipelineOptions,
) -> Result<Vec<PassDump>, PipelineError> {
    let check = |func: &Function, pass| match opts.verify {
        true => verify(func).map_err(|error| PipelineError { pass, error }),
        false => Ok(()),
    };
    check(func, "input")?;
    let mut dumps = Vec::new();
    for &pass in passes {
        pass.run(func);
        check(func, pass.name())?;
        if opts.print {
            dumps.push(PassDump {
                pass: pass.name(),
                text: func.to_string(),
            });
        }
    }
    Ok(dumps)
}

/// Runs the default pipeline.
pub fn optimize(
    func: &mut Function,
    opts: PipelineOptions,
) -> Result<Vec<PassDump>, PipelineError> {
    run_pipeline(func, &DEFAULT_PIPELINE, opts)
}
