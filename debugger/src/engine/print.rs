//! `print EXPR`: the value of a SOM expression in the selected frame, as text and as a
//! structured value. A path the engine can read without running code (`self`, a
//! variable, a field, a global, `a.b.c`) that names an object is shown from the heap
//! with its field names (`Packet(link: nil, identity: 5)`) or an array with its
//! elements; anything else is evaluated by the VM and shown as its `asString`. A lone
//! lowercase name that is no variable, field or global here is reported as unknown
//! before evaluating (SOM's core library answers an unknown global by running
//! `system exit: 1`, which would hide the error).

use super::watch::resolve;
use super::Engine;
use serde_json::{json, Value};
use som_vm::introspect::{ValueRef, View};

/// Elements of an array shown in the text (the structured value has them all).
const SHOWN_ELEMENTS: usize = 20;

/// A printed value.
#[derive(Debug, Clone, PartialEq)]
pub struct Printed {
    pub text: String,
    /// The object as JSON (`class`, then `fields`, `name` and `value` in declaration
    /// order, or `elements`), when the
    /// expression names an object read from the heap; `None` for evaluated ones.
    pub structured: Option<Value>,
}

impl Engine {
    /// Prints `expr` in the selected frame.
    pub fn print(&mut self, expr: &str) -> Result<Printed, String> {
        if let Some(object) = self.path_value(expr.trim()) {
            let view = self.view();
            if let Some(printed) = show_object(&view, object) {
                return Ok(printed);
            }
        }
        let text = self.evaluate(expr)?;
        Ok(Printed {
            text,
            structured: None,
        })
    }

    /// The value a path names in the selected frame, if `expr` is a readable path.
    fn path_value(&self, expr: &str) -> Option<ValueRef> {
        let view = self.view();
        if matches!(self.position(), super::Position::End { .. }) || view.depth() == 0 {
            return None;
        }
        if expr == "self" {
            return Some(view.frame(self.selected).receiver);
        }
        resolve(&view, self.selected, expr).ok()?.read(&view)
    }
}

/// An instance with its named fields, or an array with its elements (`None` for
/// anything else: numbers, strings, classes, blocks are shown by the VM).
fn show_object(view: &View<'_>, v: ValueRef) -> Option<Printed> {
    if !view.is_expandable(v) {
        return None;
    }
    let info = view.object(v);
    let class = info.class.clone();
    if !info.indexed.is_empty() || (info.fields.is_empty() && class.ends_with("Array")) {
        let items: Vec<String> = info.indexed.iter().map(|&x| view.describe(x)).collect();
        let mut shown: Vec<String> = items.iter().take(SHOWN_ELEMENTS).cloned().collect();
        if items.len() > SHOWN_ELEMENTS {
            shown.push(format!("... {} elements", items.len()));
        }
        return Some(Printed {
            text: format!("{class}({})", shown.join(", ")),
            structured: Some(json!({"class": class, "elements": items})),
        });
    }
    if info.fields.is_empty() || class.starts_with("Block") {
        return None;
    }
    let mut fields = Vec::new();
    let mut parts = Vec::new();
    for f in &info.fields {
        let shown = view.describe(f.value);
        parts.push(format!("{}: {shown}", f.name));
        fields.push(json!({"name": f.name, "value": shown}));
    }
    Some(Printed {
        text: format!("{class}({})", parts.join(", ")),
        structured: Some(json!({"class": class, "fields": fields})),
    })
}

/// Names every frame sees without a binding of its own.
const PSEUDO: [&str; 6] = ["self", "super", "nil", "true", "false", "system"];

/// The error for `expr` when it is a lone lowercase name bound to nothing in frame
/// `level` (capitalised names may be classes loaded on first use).
pub(super) fn unknown_variable(view: &View<'_>, level: usize, expr: &str) -> Option<String> {
    let name = expr.trim();
    let mut chars = name.chars();
    let lone = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !lone || PSEUDO.contains(&name) || level >= view.depth() {
        return None;
    }
    let receiver = view.frame(level).receiver;
    let bound = view.variable(level, name).is_some()
        || view.field_index(receiver, name).is_some()
        || view.global(name).is_some();
    (!bound).then(|| {
        format!("unknown variable {name}: no argument, local, field or global of that name here")
    })
}
