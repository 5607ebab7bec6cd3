//! The variables of the selected frame and the object inspector, as rows computed from
//! the VM's view. The inspector is a tree rooted at one variable of the selected frame
//! (or its receiver); which nodes are open is a set of paths (child indexes from the
//! root), so expansions survive moving through time as long as the shape stays.

use som_vm::introspect::{FrameInfo, ValueRef, View};
use std::collections::BTreeSet;

/// Elements of an indexed object shown before the rest are summarised.
pub const MAX_INDEXED: usize = 100;
/// Rows the inspector computes at most (deep or wide structures are cut there).
pub const MAX_ROWS: usize = 2000;
/// How deep the inspector opens nested objects.
const MAX_DEPTH: usize = 32;

/// What the inspector is rooted at, named so that it can be found again in the
/// selected frame after a move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Root {
    Receiver,
    /// An argument or local of the selected frame.
    Var(String),
    /// A field of the selected frame's receiver.
    Field(String),
}

impl Root {
    /// The root's label and value in `frame` (`None` when it is not there any more).
    pub fn resolve(&self, view: &View<'_>, frame: &FrameInfo) -> Option<(String, ValueRef)> {
        match self {
            Root::Receiver => Some(("self".into(), frame.receiver)),
            Root::Var(name) => frame
                .args
                .iter()
                .chain(&frame.locals)
                .find(|v| &v.name == name)
                .map(|v| (name.clone(), v.value)),
            Root::Field(name) => view
                .field(frame.receiver, name)
                .map(|v| (format!("self.{name}"), v)),
        }
    }
}

/// One line of the variables pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarRow {
    pub text: String,
    /// What Enter on this row opens in the inspector (`None` for headings).
    pub root: Option<Root>,
}

/// The variables pane for a frame: arguments, locals, then the receiver's fields.
pub fn var_rows(view: &View<'_>, frame: &FrameInfo) -> Vec<VarRow> {
    let mut rows = Vec::new();
    let row = |text: String, root: Option<Root>| VarRow { text, root };
    for v in &frame.args {
        let text = format!("arg {} = {}", v.name, view.describe(v.value));
        rows.push(row(text, Some(Root::Var(v.name.clone()))));
    }
    for v in &frame.locals {
        let text = format!("{} = {}", v.name, view.describe(v.value));
        rows.push(row(text, Some(Root::Var(v.name.clone()))));
    }
    let receiver = view.describe(frame.receiver);
    rows.push(row(format!("self = {receiver}"), Some(Root::Receiver)));
    for f in view.object(frame.receiver).fields {
        let text = format!("  .{} = {}", f.name, view.describe(f.value));
        rows.push(row(text, Some(Root::Field(f.name))));
    }
    rows
}

/// One line of the inspector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRow {
    pub depth: usize,
    pub text: String,
    pub expandable: bool,
    pub open: bool,
    /// Child indexes from the root (`None` for a "more elements" line).
    pub path: Option<Vec<usize>>,
}

/// The inspector's rows for `value` labelled `label`, opening the paths in `open`.
pub fn tree_rows(
    view: &View<'_>,
    label: &str,
    value: ValueRef,
    open: &BTreeSet<Vec<usize>>,
) -> Vec<TreeRow> {
    let mut rows = Vec::new();
    let mut path = Vec::new();
    walk(view, label, value, open, &mut path, &mut rows);
    rows
}

fn walk(
    view: &View<'_>,
    label: &str,
    value: ValueRef,
    open: &BTreeSet<Vec<usize>>,
    path: &mut Vec<usize>,
    rows: &mut Vec<TreeRow>,
) {
    if rows.len() >= MAX_ROWS {
        return;
    }
    let expandable = has_parts(view, value);
    let is_open = expandable && path.len() < MAX_DEPTH && open.contains(path);
    rows.push(TreeRow {
        depth: path.len(),
        text: format!("{label}: {}", view.describe(value)),
        expandable,
        open: is_open,
        path: Some(path.clone()),
    });
    if !is_open {
        return;
    }
    let info = view.object(value);
    let fields = info.fields.len();
    for (i, f) in info.fields.iter().enumerate() {
        path.push(i);
        walk(view, &f.name, f.value, open, path, rows);
        path.pop();
    }
    for (j, v) in info.indexed.iter().take(MAX_INDEXED).enumerate() {
        path.push(fields + j);
        walk(view, &format!("[{}]", j + 1), *v, open, path, rows);
        path.pop();
    }
    if info.indexed.len() > MAX_INDEXED {
        rows.push(TreeRow {
            depth: path.len() + 1,
            text: format!("... {} more elements", info.indexed.len() - MAX_INDEXED),
            expandable: false,
            open: false,
            path: None,
        });
    }
}

/// Whether a value has fields or elements to show (`nil` and empty arrays do not).
fn has_parts(view: &View<'_>, value: ValueRef) -> bool {
    view.is_expandable(value) && {
        let info = view.object(value);
        !info.fields.is_empty() || !info.indexed.is_empty()
    }
}

/// The row of the parent of `path` in `rows` (for ← on a closed node).
pub fn parent_row(rows: &[TreeRow], path: &[usize]) -> Option<usize> {
    let parent = path.split_last()?.1;
    rows.iter().position(|r| r.path.as_deref() == Some(parent))
}
