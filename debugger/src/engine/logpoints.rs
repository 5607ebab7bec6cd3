//! Retroactive logpoints (print statements added after the recording, as Replay.io
//! does): every hit of a breakpoint over the whole recording, in order, with its
//! logical clock and the values of SOM expressions evaluated in the hit's frame. One
//! forward pass from the start that skips stretches whose summary cannot hit; the
//! position and the selected frame are kept.
//!
//! Also `restart_frame` (back to where an activation on the stack was entered).

use super::breakpoints::Matcher;
use super::summary::Summary;
use super::{Breakpoint, Engine, MethodNames, Position, Reply, Stop};
use som_vm::introspect::{BoundaryKind, Machine, MethodKey};
use std::cell::RefCell;
use std::collections::HashMap;

/// One hit of a logpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogHit {
    pub clock: u64,
    pub step: u64,
    pub line: u32,
    /// One value per expression, in order (an error message when it failed).
    pub values: Vec<Result<String, String>>,
}

/// Whether `bp`'s condition (if any) holds in the paused frame.
fn condition_holds(machine: &mut Machine, bp: &Breakpoint) -> bool {
    match &bp.condition {
        Some(c) => super::condition::holds(machine, c),
        None => true,
    }
}

impl Engine {
    /// Every hit of `bp` in the recording (its condition checked), with `exprs`
    /// evaluated at each.
    pub fn log_hits(&mut self, bp: &Breakpoint, exprs: &[String]) -> Vec<LogHit> {
        let (here, selected) = (self.position.step(), self.selected);
        let hits = RefCell::new(Vec::new());
        let record = |machine: &mut Machine, clock: u64, step: u64, line: u32| {
            if condition_holds(machine, bp) {
                let values = exprs.iter().map(|e| machine.evaluate(0, e)).collect();
                hits.borrow_mut().push(LogHit {
                    clock,
                    step,
                    line,
                    values,
                });
            }
        };
        self.goto_start();
        let mut matcher = Matcher::new(vec![bp.clone()]);
        // The search starts after the current boundary: test the first one here.
        if let Position::At(b) = self.position {
            if !matcher.hits(&self.machine.view(), &b).is_empty() {
                record(&mut self.machine, b.clock, b.step, b.line);
            }
        }
        let bps = vec![bp.clone()];
        let rel = move |s: &Summary, n: &HashMap<MethodKey, MethodNames>| s.may_hit(&bps, n);
        let found = self.search_forward(
            &mut |vm, b| !matcher.hits(vm, b).is_empty(),
            &mut |m, b| {
                record(m, b.clock, b.step, b.line);
                false
            },
            Some(&rel),
        );
        debug_assert!(found.is_none(), "the logpoint search runs to the end");
        self.goto_step(here);
        self.selected = selected;
        hits.into_inner()
    }

    /// `log FILE:LINE EXPR`: every hit of the line with the value of EXPR.
    pub fn log_line(&mut self, spec: &str) -> Result<(Breakpoint, Vec<LogHit>), String> {
        let spec = spec.trim();
        let (target, expr) = spec
            .split_once(char::is_whitespace)
            .map(|(t, e)| (t, e.trim()))
            .filter(|(_, e)| !e.is_empty())
            .ok_or_else(|| format!("log needs FILE:LINE and an expression, got '{spec}'"))?;
        let bp = Breakpoint::parse(0, target)?;
        let hits = self.log_hits(&bp, &[expr.to_string()]);
        Ok((bp, hits))
    }

    /// Goes back to where the activation at `level` (0 innermost) was entered.
    pub fn restart_frame(&mut self, level: usize) -> Result<Reply, String> {
        let depth = match self.position {
            Position::At(_) => self.view().depth(),
            Position::End { .. } => 0,
        };
        if level >= depth {
            return Err(format!("no frame {level} (the stack has {depth})"));
        }
        let id = self.view().frame(level).id;
        let frame_depth = depth - level;
        let rel = move |s: &Summary, _: &HashMap<MethodKey, MethodNames>| {
            s.writes.may_run_frame(id, frame_depth)
        };
        let now = self.position.step();
        let found = self.search_back_to(
            now + 1,
            &mut |_, b| b.frame_id == id && b.kind == BoundaryKind::Enter,
            Some(&rel),
        );
        let stop = match found {
            Some(b) => {
                self.goto_step(b.step);
                Stop::Goto
            }
            None => {
                self.goto_start();
                Stop::Start
            }
        };
        Ok(Reply {
            stop: Some(stop),
            ..Reply::default()
        })
    }
}
