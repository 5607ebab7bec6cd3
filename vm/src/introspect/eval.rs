//! Evaluating a SOM expression in a paused frame (`print EXPR` in the debugger) without
//! disturbing the run: the expression is compiled as a method of the frame's class whose
//! parameters are the frame's visible variables, run on top of the paused stack with a
//! step limit, answered as its `asString` (strings quoted), and every effect (objects, output, input
//! log, clock) is undone by restoring a checkpoint taken before.

use super::{Boundary, Machine, Monitor, Verdict, View};
use crate::front::ast::{MethodBody, MethodDef};
use crate::front::compiler::Compiler;
use crate::ids::MethodId;
use crate::object::heap::Body;
use crate::runtime::error::Unwind;
use crate::value::Value;
use std::rc::Rc;

/// Bytecodes an evaluation may run before it is abandoned.
const EVAL_STEP_LIMIT: u64 = 50_000_000;

/// Pauses a run once it has executed `limit` bytecodes.
struct StepLimit {
    limit: u64,
    hit: bool,
}

impl Monitor for StepLimit {
    fn boundary(&mut self, _: &View<'_>, at: &Boundary) -> Verdict {
        if at.step >= self.limit {
            self.hit = true;
            Verdict::Pause
        } else {
            Verdict::Continue
        }
    }
}

impl Machine {
    /// Evaluates `expr` in frame `level` (0 innermost) and answers its `asString` (strings and
    /// symbols quoted),
    /// or an error message (syntax error, SOM error, no frame, too long). The machine's
    /// state afterwards is exactly what it was before.
    pub fn evaluate(&mut self, level: usize, expr: &str) -> Result<String, String> {
        let saved = self.snapshot();
        let result = self.evaluate_inner(level, expr);
        self.restore(&saved);
        result
    }

    fn evaluate_inner(&mut self, level: usize, expr: &str) -> Result<String, String> {
        let view = self.view();
        if level >= view.depth() {
            return Err(format!("no frame {level} (the stack has {})", view.depth()));
        }
        let frame = view.frame(level);
        let mut vars: Vec<super::Var> = Vec::new();
        for v in frame.args.iter().chain(&frame.locals) {
            if !vars.iter().any(|w| w.name == v.name) {
                vars.push(v.clone());
            }
        }
        let vm = &mut *self.vm;
        let f = &vm.frames[vm.frames.len() - 1 - level];
        let holder = vm.methods[f.method.index()].holder;
        let receiver = f.self_value;
        let source = format!("^ ({expr})");
        let body = crate::front::parser::parse_expression(&source).map_err(|e| {
            format!(
                "syntax error at column {}: {}",
                e.pos.col.saturating_sub(3),
                e.message
            )
        })?;
        let def = MethodDef {
            selector: selector_for(vars.len()),
            params: vars.iter().map(|v| v.name.clone()).collect(),
            pos: body.pos,
            body: MethodBody::Code(body.body),
        };
        let fields = match &vm.heap.get(holder).body {
            Body::Class(c) => c
                .instance_fields
                .iter()
                .map(|&s| vm.symbol_text(s).to_string())
                .collect(),
            _ => Vec::new(),
        };
        let method = Compiler::new(vm, holder, fields, Rc::from("<print>"))
            .method(&def)
            .map_err(|e| format!("cannot compile: {}", e.message))?;
        let base = vm.frames.len();
        vm.stack.push(receiver);
        vm.stack.extend(vars.iter().map(|v| v.value.value()));
        let value = self.run_nested(method, vars.len(), base)?;
        if let Body::String(_) | Body::Symbol(_) = &self.vm.heap.get(value).body {
            return Ok(self.view().describe(super::ValueRef::of(value)));
        }
        let vm = &mut *self.vm;
        vm.stack.push(value);
        let printed = vm.intern("asString");
        vm.send_selector(printed, 0).map_err(describe_unwind)?;
        let text = self.finish_nested(base)?;
        match &self.vm.heap.get(text).body {
            Body::String(s) => Ok(s.text.to_string()),
            _ => Ok(self.view().describe(super::ValueRef::of(text))),
        }
    }

    /// Invokes `method` (receiver and arguments pushed) and runs it to its return.
    fn run_nested(&mut self, method: MethodId, argc: usize, base: usize) -> Result<Value, String> {
        let vm = &mut *self.vm;
        vm.invoke(method, argc).map_err(describe_unwind)?;
        self.finish_nested(base)
    }

    /// Runs frames above `base` to completion (bounded) and pops the result.
    fn finish_nested(&mut self, base: usize) -> Result<Value, String> {
        let vm = &mut *self.vm;
        if vm.frames.len() <= base {
            return Ok(vm.stack.pop().unwrap_or(Value::NIL));
        }
        let mut limit = StepLimit {
            limit: vm.stats.bytecodes + EVAL_STEP_LIMIT,
            hit: false,
        };
        let events = vm.events.take();
        let since = self.output_marks();
        let vm = &mut *self.vm;
        let result = vm.execute_monitored(base, &mut super::MonitorHook(&mut limit));
        vm.events = events;
        if limit.hit {
            return Err(format!(
                "evaluation abandoned after {EVAL_STEP_LIMIT} bytecodes"
            ));
        }
        result.map_err(|u| self.explain(u, since))
    }

    /// Bytes captured so far on stdout and stderr (where an evaluation's own output
    /// starts).
    fn output_marks(&self) -> (usize, usize) {
        match &self.vm.output {
            crate::runtime::io::Output::Capture { all, errors, .. } => (all.len(), errors.len()),
            _ => (0, 0),
        }
    }

    /// An unwind as a message; a `system exit:` reports the error line the evaluation
    /// wrote just before (our core library prints `error: ...` on stderr, SOM's own
    /// prints `ERROR: ...` on stdout, then both exit), looking only at what was written
    /// after `since` (`output_marks` when the evaluation started).
    fn explain(&self, u: Unwind, since: (usize, usize)) -> String {
        if let (Unwind::Exit(_), crate::runtime::io::Output::Capture { all, errors, .. }) =
            (&u, &self.vm.output)
        {
            let written = [
                &errors[since.1.min(errors.len())..],
                &all[since.0.min(all.len())..],
            ];
            for text in written.map(String::from_utf8_lossy) {
                let line = text.lines().rev().find_map(|l| {
                    l.strip_prefix("error: ")
                        .or_else(|| l.strip_prefix("ERROR: "))
                });
                if let Some(message) = line {
                    return message.to_string();
                }
            }
        }
        describe_unwind(u)
    }
}

fn selector_for(n: usize) -> String {
    match n {
        0 => "doIt".into(),
        _ => format!("doIt:{}", "with:".repeat(n - 1)),
    }
}

fn describe_unwind(u: Unwind) -> String {
    match u {
        Unwind::Error(e) => e.message,
        Unwind::Exit(code) => format!("the expression ran `system exit: {code}`"),
        Unwind::Load(e) => e.to_string(),
        Unwind::Pause => "evaluation paused".into(),
    }
}
