//! Looking at the paused replay: `stackTrace` (frames with sources and lines),
//! `scopes` (arguments, locals, receiver), `variables` (objects expand lazily, indexed
//! elements in pages), `evaluate` (SOM in a frame; the replay is not disturbed) and
//! `source` (the core library's text, which has no file on disk). Frame and variable
//! references are valid until the next movement.

use super::{Adapter, Answer};
use crate::engine::{Location, Position};
use serde::Deserialize;
use serde_json::{json, Value};
use som_vm::introspect::{ValueRef, View};
use std::io::Write;

/// What a `variablesReference` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handle {
    Args(usize),
    Locals(usize),
    Receiver(usize),
    Object(ValueRef),
}

#[derive(Default)]
pub(super) struct Handles {
    handles: Vec<Handle>,
    /// Files without a path on disk, by `sourceReference` (kept for the session).
    sources: Vec<String>,
}

impl Handles {
    fn add(&mut self, h: Handle) -> i64 {
        if let Some(i) = self.handles.iter().position(|&x| x == h) {
            return i as i64 + 1;
        }
        self.handles.push(h);
        self.handles.len() as i64
    }

    fn get(&self, reference: i64) -> Result<Handle, String> {
        usize::try_from(reference - 1)
            .ok()
            .and_then(|i| self.handles.get(i).copied())
            .ok_or_else(|| {
                format!(
                    "no variables with reference {reference} (they expire when the replay moves)"
                )
            })
    }

    /// Forgets every reference (the replay moved).
    pub fn clear(&mut self) {
        self.handles.clear();
    }

    fn source_ref(&mut self, file: &str) -> i64 {
        let i = self
            .sources
            .iter()
            .position(|f| f == file)
            .unwrap_or_else(|| {
                self.sources.push(file.to_string());
                self.sources.len() - 1
            });
        i as i64 + 1
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StackTraceArgs {
    start_frame: Option<usize>,
    levels: Option<usize>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ScopesArgs {
    frame_id: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct VariablesArgs {
    variables_reference: i64,
    filter: Option<String>,
    start: Option<usize>,
    count: Option<usize>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct EvaluateArgs {
    expression: String,
    frame_id: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SourceArgs {
    source_reference: i64,
}

impl<W: Write> Adapter<W> {
    /// The stack level a `frameId` names (frame ids are level + 1).
    pub(super) fn level(&mut self, frame_id: Option<i64>) -> Result<usize, String> {
        let engine = self.engine()?;
        if matches!(engine.position(), Position::End { .. }) {
            return Err("the program has ended: no frames (step back first)".into());
        }
        let depth = engine.view().depth();
        match frame_id {
            None => Ok(0),
            Some(id) => usize::try_from(id - 1)
                .ok()
                .filter(|&l| l < depth)
                .ok_or_else(|| format!("no frame with id {id} (the stack has {depth})")),
        }
    }

    pub(super) fn stack_trace(&mut self, a: StackTraceArgs) -> Answer {
        let engine = self.engine()?;
        if matches!(engine.position(), Position::End { .. }) {
            return Ok(json!({"stackFrames": [], "totalFrames": 0}));
        }
        let frames = engine.view().frames();
        let total = frames.len();
        let start = a.start_frame.unwrap_or(0).min(total);
        let levels = a.levels.filter(|&l| l > 0).unwrap_or(total);
        let mut out = Vec::new();
        for f in frames.iter().skip(start).take(levels) {
            let name = std::path::Path::new(&f.file)
                .file_name()
                .map_or(f.file.clone(), |n| n.to_string_lossy().into_owned());
            let source = if std::path::Path::new(&f.file).is_file() {
                json!({"name": name, "path": f.file})
            } else {
                json!({"name": name, "sourceReference": self.handles.source_ref(&f.file),
                       "origin": "core library"})
            };
            out.push(json!({"id": f.level + 1, "name": f.label, "source": source,
                            "line": f.line, "column": 1}));
        }
        Ok(json!({"stackFrames": out, "totalFrames": total}))
    }

    pub(super) fn scopes(&mut self, a: ScopesArgs) -> Answer {
        let level = self.level(Some(a.frame_id))?;
        let view = self.engine()?.view();
        let f = view.frame(level);
        let (nargs, nlocals) = (f.args.len(), f.locals.len());
        let receiver = format!("Receiver ({})", view.describe(f.receiver));
        let named = 1 + view.object(f.receiver).fields.len();
        let h = &mut self.handles;
        Ok(json!({"scopes": [
            {"name": "Arguments", "presentationHint": "arguments",
             "variablesReference": h.add(Handle::Args(level)), "namedVariables": nargs, "expensive": false},
            {"name": "Locals", "presentationHint": "locals",
             "variablesReference": h.add(Handle::Locals(level)), "namedVariables": nlocals, "expensive": false},
            {"name": receiver, "variablesReference": h.add(Handle::Receiver(level)),
             "namedVariables": named, "expensive": false},
        ]}))
    }
}

/// A variable as the client shows it (expandable objects get a reference).
fn variable(handles: &mut Handles, view: &View<'_>, name: &str, v: ValueRef) -> Value {
    let mut out = json!({"name": name, "value": view.describe(v), "type": view.class_of(v),
                             "variablesReference": 0});
    if view.is_expandable(v) {
        let info = view.object(v);
        out["variablesReference"] = json!(handles.add(Handle::Object(v)));
        out["namedVariables"] = json!(info.fields.len());
        if !info.indexed.is_empty() {
            out["indexedVariables"] = json!(info.indexed.len());
        }
    }
    out
}

impl<W: Write> Adapter<W> {
    pub(super) fn variables(&mut self, a: VariablesArgs) -> Answer {
        let handle = self.handles.get(a.variables_reference)?;
        let engine = self.engine.as_ref().ok_or("no program is launched yet")?;
        if matches!(engine.position(), Position::End { .. }) {
            return Err("the program has ended: no variables (step back first)".into());
        }
        let view = engine.view();
        let depth = view.depth();
        let frame = |l: usize| {
            (l < depth)
                .then(|| view.frame(l))
                .ok_or("the frame is gone")
        };
        let named: Vec<(String, ValueRef)> = match handle {
            Handle::Args(l) => frame(l)?
                .args
                .into_iter()
                .map(|v| (v.name, v.value))
                .collect(),
            Handle::Locals(l) => frame(l)?
                .locals
                .into_iter()
                .map(|v| (v.name, v.value))
                .collect(),
            Handle::Receiver(l) => {
                let r = frame(l)?.receiver;
                let mut all = vec![("self".to_string(), r)];
                all.extend(view.object(r).fields.into_iter().map(|v| (v.name, v.value)));
                all
            }
            Handle::Object(v) => view
                .object(v)
                .fields
                .into_iter()
                .map(|f| (f.name, f.value))
                .collect(),
        };
        let indexed: Vec<(String, ValueRef)> = match handle {
            Handle::Object(v) => view
                .object(v)
                .indexed
                .into_iter()
                .enumerate()
                .map(|(i, x)| ((i + 1).to_string(), x))
                .collect(),
            _ => Vec::new(),
        };
        let chosen: Vec<(String, ValueRef)> = match a.filter.as_deref() {
            Some("named") => named,
            Some("indexed") => indexed,
            _ => named.into_iter().chain(indexed).collect(),
        };
        let start = a.start.unwrap_or(0);
        let count = a.count.filter(|&c| c > 0).unwrap_or(usize::MAX);
        let mut out = Vec::new();
        for (name, v) in chosen.into_iter().skip(start).take(count) {
            out.push(variable(&mut self.handles, &view, &name, v));
        }
        Ok(json!({ "variables": out }))
    }

    pub(super) fn evaluate(&mut self, a: EvaluateArgs) -> Answer {
        let level = self.level(a.frame_id)?;
        let engine = self.engine()?;
        engine.selected = level;
        let result = engine.evaluate(&a.expression);
        let path = crate::engine::watch_location(&engine.view(), level, &a.expression)
            .ok()
            .and_then(|l| l.read(&engine.view()));
        engine.selected = 0;
        let value = result?;
        let reference = match path {
            Some(v) if self.engine()?.view().is_expandable(v) => {
                self.handles.add(Handle::Object(v))
            }
            _ => 0,
        };
        Ok(json!({"result": value, "variablesReference": reference}))
    }

    pub(super) fn source(&mut self, a: SourceArgs) -> Answer {
        let file = usize::try_from(a.source_reference - 1)
            .ok()
            .and_then(|i| self.handles.sources.get(i).cloned())
            .ok_or_else(|| format!("no source with reference {}", a.source_reference))?;
        let text =
            som_vm::introspect::source_text(&file).ok_or_else(|| format!("no text for {file}"))?;
        Ok(json!({"content": text, "mimeType": "text/x-som"}))
    }

    /// The location a data breakpoint watches: `name` in the scope or object that
    /// `reference` names, or a path (`x`, `self.count`, `a.b`) in frame `frame_id`.
    pub(super) fn data_location(
        &mut self,
        reference: Option<i64>,
        name: &str,
        frame_id: Option<i64>,
    ) -> Result<Location, String> {
        let handle = match reference {
            Some(r) if r > 0 => Some(self.handles.get(r)?),
            _ => None,
        };
        let level = match handle {
            Some(Handle::Args(l) | Handle::Locals(l) | Handle::Receiver(l)) => l,
            _ => self.level(frame_id)?,
        };
        let view = self.engine()?.view();
        let field_of = |object: ValueRef| {
            view.field_index(object, name)
                .map(|index| Location::Field {
                    object,
                    index,
                    name: name.to_string(),
                })
                .ok_or_else(|| format!("{} has no field '{name}'", view.describe(object)))
        };
        match handle {
            Some(Handle::Object(v)) => field_of(v),
            Some(Handle::Receiver(l)) if name != "self" => field_of(view.frame(l).receiver),
            _ => crate::engine::watch_location(&view, level, name),
        }
    }
}
