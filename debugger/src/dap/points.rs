//! Breakpoints as the client sets them: source lines (with `condition`,
//! `hitCondition` and `logMessage`), functions (`Class>>selector`) and data
//! breakpoints (a variable of a frame or a field of an object, firing forwards and
//! backwards). The client's sets are kept here and copied into the engine whenever
//! they change. A logpoint never stops: once the program is launched, setting one
//! answers every hit in the whole recording as `output` events, in order, each with
//! its logical clock.

use super::{Adapter, Answer};
use crate::engine::{Breakpoint, BreakpointKind, Engine, Location, LogHit, Watch};
use serde::Deserialize;
use serde_json::{json, Value};
use som_vm::introspect::View;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{self, Write};

/// When a breakpoint's hits count (DAP's `hitCondition`): `N` or `>=N` (from the Nth
/// hit on), `>N`, `<N`, `<=N`, `==N`, `%N` (every Nth).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HitCondition {
    AtLeast(u64),
    Above(u64),
    Below(u64),
    AtMost(u64),
    Exactly(u64),
    Every(u64),
}

impl HitCondition {
    pub fn parse(text: &str) -> Result<HitCondition, String> {
        let t = text.trim();
        let (op, n) = match t.find(|c: char| c.is_ascii_digit()) {
            Some(i) => t.split_at(i),
            None => ("", ""),
        };
        let n: u64 = n.trim().parse().map_err(|_| {
            format!("bad hit condition '{t}': expected N, >=N, >N, <N, <=N, ==N or %N")
        })?;
        Ok(match op.trim() {
            "" | ">=" => HitCondition::AtLeast(n),
            ">" => HitCondition::Above(n),
            "<" => HitCondition::Below(n),
            "<=" => HitCondition::AtMost(n),
            "==" | "=" => HitCondition::Exactly(n),
            "%" if n > 0 => HitCondition::Every(n),
            _ => return Err(format!("bad hit condition '{t}'")),
        })
    }

    /// Whether the `ordinal`th hit (from 1) counts.
    pub fn counts(self, ordinal: u64) -> bool {
        match self {
            HitCondition::AtLeast(n) => ordinal >= n,
            HitCondition::Above(n) => ordinal > n,
            HitCondition::Below(n) => ordinal < n,
            HitCondition::AtMost(n) => ordinal <= n,
            HitCondition::Exactly(n) => ordinal == n,
            HitCondition::Every(n) => ordinal.is_multiple_of(n),
        }
    }
}

/// A breakpoint the client set, as the engine runs it.
#[derive(Debug, Clone)]
struct Point {
    bp: Breakpoint,
    hit: Option<HitCondition>,
    /// A logpoint's message (`{expr}` parts are evaluated at each hit).
    log: Option<String>,
    verified: bool,
}

#[derive(Debug, Clone)]
struct DataPoint {
    watch: Watch,
    condition: Option<String>,
}

#[derive(Default)]
pub(super) struct Points {
    next_id: usize,
    lines: BTreeMap<String, Vec<Point>>,
    functions: Vec<Point>,
    data: Vec<DataPoint>,
    /// Data breakpoint ids handed out by `dataBreakpointInfo`.
    data_ids: HashMap<String, Location>,
    /// Steps of every hit of a breakpoint with a hit condition (computed once).
    hit_steps: HashMap<usize, Vec<u64>>,
    /// Logpoints whose hits have been sent.
    logged: HashSet<String>,
    dirty: bool,
}

#[derive(Deserialize)]
struct SourceArg {
    path: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SourceBreakpoint {
    line: u32,
    condition: Option<String>,
    hit_condition: Option<String>,
    log_message: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct SetBreakpointsArgs {
    source: SourceArg,
    #[serde(default)]
    breakpoints: Vec<SourceBreakpoint>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FunctionBreakpoint {
    name: String,
    condition: Option<String>,
    hit_condition: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct SetFunctionBreakpointsArgs {
    breakpoints: Vec<FunctionBreakpoint>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DataInfoArgs {
    variables_reference: Option<i64>,
    name: String,
    frame_id: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DataBreakpoint {
    data_id: String,
    access_type: Option<String>,
    condition: Option<String>,
    hit_condition: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct SetDataBreakpointsArgs {
    breakpoints: Vec<DataBreakpoint>,
}

/// Lines holding a statement in methods (and their blocks) defined in `file`.
fn code_lines(view: &View<'_>, file: &str) -> BTreeSet<u32> {
    let mut lines = BTreeSet::new();
    for name in view.classes() {
        let Some(class) = view.class(&name) else {
            continue;
        };
        for m in class.methods.iter().chain(&class.class_methods) {
            if m.file != file {
                continue;
            }
            let mut todo = vec![m.key];
            while let Some(key) = todo.pop() {
                if let Some(code) = view.code(key) {
                    lines.extend(code.bytecodes.iter().map(|b| b.line));
                    todo.extend(code.blocks);
                }
            }
        }
    }
    lines
}

/// The text between braces of a log message, in order.
fn log_expressions(message: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = message;
    while let Some(open) = rest.find('{') {
        match rest[open..].find('}') {
            Some(close) => {
                out.push(rest[open + 1..open + close].trim().to_string());
                rest = &rest[open + close + 1..];
            }
            None => break,
        }
    }
    out
}

/// A log message with its `{expr}` parts replaced by the values at one hit.
pub(super) fn interpolate(message: &str, hit: &LogHit) -> String {
    let mut out = String::new();
    let mut rest = message;
    let mut values = hit.values.iter();
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        match values.next() {
            Some(Ok(v)) => out.push_str(v),
            Some(Err(e)) => out.push_str(&format!("<error: {e}>")),
            None => {}
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

fn canonical(path: &str) -> String {
    std::fs::canonicalize(path).map_or_else(|_| path.to_string(), |p| p.display().to_string())
}

impl Points {
    fn id(&mut self) -> usize {
        self.next_id += 1;
        self.next_id
    }

    /// The hit condition of breakpoint `id`, if it has one.
    pub fn hit_condition(&self, id: usize) -> Option<(Breakpoint, HitCondition)> {
        self.lines
            .values()
            .flatten()
            .chain(&self.functions)
            .find(|p| p.bp.id == id)
            .and_then(|p| p.hit.map(|h| (p.bp.clone(), h)))
    }

    /// Whether the hit of breakpoint `id` at `step` counts under its hit condition.
    pub fn hit_counts(&mut self, engine: &mut Engine, id: usize, step: u64) -> bool {
        let Some((bp, cond)) = self.hit_condition(id) else {
            return true;
        };
        let steps = self
            .hit_steps
            .entry(id)
            .or_insert_with(|| engine.log_hits(&bp, &[]).iter().map(|h| h.step).collect());
        match steps.binary_search(&step) {
            Ok(i) => cond.counts(i as u64 + 1),
            Err(_) => true,
        }
    }

    /// Ids of the function breakpoints.
    pub fn function_ids(&self) -> Vec<usize> {
        self.functions.iter().map(|p| p.bp.id).collect()
    }

    /// The condition of data breakpoint `id`, if it has one.
    pub fn data_condition(&self, id: usize) -> Option<String> {
        self.data
            .iter()
            .find(|d| d.watch.id == id)
            .and_then(|d| d.condition.clone())
    }

    /// Copies the client's breakpoints into the engine.
    fn sync(&mut self, engine: &mut Engine) {
        engine.breakpoints = self
            .lines
            .values()
            .flatten()
            .chain(&self.functions)
            .filter(|p| p.verified && p.log.is_none())
            .map(|p| p.bp.clone())
            .collect();
        engine.watches = self.data.iter().map(|d| d.watch.clone()).collect();
        self.dirty = false;
    }

    /// Logpoints whose hits are not sent yet (marked as sent).
    fn unsent_logs(&mut self) -> Vec<(String, Point)> {
        let mut current = HashSet::new();
        let mut out = Vec::new();
        for (path, points) in &self.lines {
            for p in points.iter().filter(|p| p.verified) {
                if let Some(log) = &p.log {
                    let key = format!(
                        "{path}:{}:{:?}:{:?}:{log}",
                        p.bp.describe(),
                        p.hit,
                        p.bp.condition
                    );
                    if !self.logged.contains(&key) {
                        out.push((path.clone(), p.clone()));
                    }
                    current.insert(key);
                }
            }
        }
        self.logged = current;
        out
    }
}

/// The client's view of one breakpoint.
fn shown(id: usize, verified: bool, line: Option<u32>, message: Option<String>) -> Value {
    let mut b = json!({"id": id, "verified": verified});
    if let Some(l) = line {
        b["line"] = json!(l);
    }
    if let Some(m) = message {
        b["message"] = json!(m);
    }
    b
}

impl<W: Write> Adapter<W> {
    pub(super) fn set_breakpoints(&mut self, a: SetBreakpointsArgs) -> Answer {
        let path = a
            .source
            .path
            .ok_or("setBreakpoints: the source has no 'path'")?;
        let path = canonical(&path);
        let lines = self.engine.as_ref().map(|e| code_lines(&e.view(), &path));
        let mut points = Vec::new();
        let mut answer = Vec::new();
        for sb in a.breakpoints {
            let id = self.points.id();
            let mut message = None;
            let hit = match sb.hit_condition.as_deref().filter(|h| !h.trim().is_empty()) {
                None => None,
                Some(h) => match HitCondition::parse(h) {
                    Ok(c) => Some(c),
                    Err(e) => {
                        message = Some(e);
                        None
                    }
                },
            };
            let has_code = lines.as_ref().is_none_or(|l| l.contains(&sb.line));
            if !has_code {
                message = Some(format!("no statement on line {} of {path}", sb.line));
            }
            let verified = message.is_none();
            let bp = Breakpoint {
                id,
                kind: BreakpointKind::Line {
                    file: path.clone(),
                    line: sb.line,
                },
                condition: sb.condition.filter(|c| !c.trim().is_empty()),
            };
            answer.push(shown(id, verified, Some(sb.line), message));
            points.push(Point {
                bp,
                hit,
                log: sb.log_message,
                verified,
            });
        }
        self.points.lines.insert(path, points);
        self.points.hit_steps.clear();
        self.points.dirty = true;
        Ok(json!({ "breakpoints": answer }))
    }

    pub(super) fn set_function_breakpoints(&mut self, a: SetFunctionBreakpointsArgs) -> Answer {
        let mut answer = Vec::new();
        self.points.functions.clear();
        for fb in a.breakpoints {
            let id = self.points.id();
            let parsed = Breakpoint::parse(id, &fb.name).and_then(|bp| match bp.kind {
                BreakpointKind::Method { .. } => Ok(bp),
                _ => Err(format!(
                    "bad function breakpoint '{}': expected Class>>selector",
                    fb.name
                )),
            });
            let hit = fb
                .hit_condition
                .as_deref()
                .filter(|h| !h.trim().is_empty())
                .map(HitCondition::parse)
                .transpose();
            match (parsed, hit) {
                (Ok(mut bp), Ok(hit)) => {
                    bp.condition = fb.condition.filter(|c| !c.trim().is_empty());
                    answer.push(shown(id, true, None, None));
                    self.points.functions.push(Point {
                        bp,
                        hit,
                        log: None,
                        verified: true,
                    });
                }
                (Err(e), _) | (_, Err(e)) => answer.push(shown(id, false, None, Some(e))),
            }
        }
        self.points.hit_steps.clear();
        self.points.dirty = true;
        Ok(json!({ "breakpoints": answer }))
    }

    pub(super) fn data_breakpoint_info(&mut self, a: DataInfoArgs) -> Answer {
        let location = self.data_location(a.variables_reference, &a.name, a.frame_id);
        match location {
            Ok(loc) => {
                let description = loc.describe(&self.engine()?.view());
                let id = format!("data{}", self.points.data_ids.len() + 1);
                self.points.data_ids.insert(id.clone(), loc);
                Ok(json!({"dataId": id, "description": description,
                          "accessTypes": ["write"], "canPersist": false}))
            }
            Err(why) => Ok(json!({"dataId": null, "description": why})),
        }
    }

    pub(super) fn set_data_breakpoints(&mut self, a: SetDataBreakpointsArgs) -> Answer {
        let mut answer = Vec::new();
        self.points.data.clear();
        for db in a.breakpoints {
            let id = self.points.id();
            let refusal = if db.access_type.as_deref().is_some_and(|t| t != "write") {
                Some("only writes can be watched (a replay sees changes, not reads)".to_string())
            } else if db
                .hit_condition
                .as_deref()
                .is_some_and(|h| !h.trim().is_empty())
            {
                Some("hit conditions are not supported on data breakpoints".to_string())
            } else {
                None
            };
            match (self.points.data_ids.get(&db.data_id), refusal) {
                (Some(loc), None) => {
                    answer.push(shown(id, true, None, None));
                    self.points.data.push(DataPoint {
                        watch: Watch {
                            id,
                            expr: db.data_id.clone(),
                            location: loc.clone(),
                        },
                        condition: db.condition.filter(|c| !c.trim().is_empty()),
                    });
                }
                (None, _) => answer.push(shown(
                    id,
                    false,
                    None,
                    Some(format!("unknown dataId '{}'", db.data_id)),
                )),
                (_, Some(why)) => answer.push(shown(id, false, None, Some(why))),
            }
        }
        self.points.dirty = true;
        Ok(json!({ "breakpoints": answer }))
    }

    /// Copies changed breakpoints into the engine and answers new logpoints.
    pub(super) fn flush_pending(&mut self) -> io::Result<()> {
        let Some(engine) = self.engine.as_mut() else {
            return Ok(());
        };
        if self.points.dirty {
            self.points.sync(engine);
        }
        for (path, p) in self.points.unsent_logs() {
            let message = p.log.clone().unwrap_or_default();
            let exprs = log_expressions(&message);
            let hits = engine.log_hits(&p.bp, &exprs);
            let line = match p.bp.kind {
                BreakpointKind::Line { line, .. } => line,
                _ => 0,
            };
            for (i, h) in hits.iter().enumerate() {
                if p.hit.is_some_and(|c| !c.counts(i as u64 + 1)) {
                    continue;
                }
                let text = format!("[clock {}] {}\n", h.clock, interpolate(&message, h));
                self.out.event(
                    "output",
                    json!({"category": "console", "output": text, "line": line,
                           "source": {"path": path}, "data": {"clock": h.clock, "logpoint": p.bp.id}}),
                )?;
            }
            let summary = format!(
                "logpoint {}: {} hits in the recording\n",
                p.bp.describe(),
                hits.len()
            );
            self.out
                .event("output", json!({"category": "console", "output": summary}))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_conditions_count_hits_from_one() {
        let c = HitCondition::parse("3").unwrap();
        assert!(!c.counts(2) && c.counts(3) && c.counts(4));
        assert!(HitCondition::parse("%2").unwrap().counts(4));
        assert!(!HitCondition::parse("%2").unwrap().counts(3));
        assert!(HitCondition::parse("==2").unwrap().counts(2));
        assert!(!HitCondition::parse("<2").unwrap().counts(2));
        assert!(HitCondition::parse("often").is_err());
        assert!(HitCondition::parse("%0").is_err());
    }

    #[test]
    fn log_messages_interpolate_their_expressions() {
        assert_eq!(
            log_expressions("n={n} sum={ sum + 1 }"),
            vec!["n", "sum + 1"]
        );
        let hit = LogHit {
            clock: 5,
            step: 9,
            line: 3,
            values: vec![Ok("4".into()), Err("boom".into())],
        };
        assert_eq!(interpolate("n={n} s={s}!", &hit), "n=4 s=<error: boom>!");
        assert_eq!(interpolate("plain {", &hit), "plain {");
    }
}
