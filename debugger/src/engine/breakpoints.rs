//! Breakpoints: by method (`Class>>selector`, `Class class>>selector`) or by source
//! line (`File.som:12`, matched on a path suffix), each with an optional condition
//! written in SOM and evaluated in the stopped frame.

use super::MethodNames;
use som_vm::introspect::{Boundary, BoundaryKind, MethodKey, View};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakpointKind {
    Method { class: String, selector: String },
    Line { file: String, line: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakpoint {
    pub id: usize,
    pub kind: BreakpointKind,
    /// A SOM expression; the breakpoint stops only where it answers true.
    pub condition: Option<String>,
}

impl Breakpoint {
    /// Parses `Class>>selector` or `FILE:LINE`, optionally followed by `if EXPR`.
    pub fn parse(id: usize, spec: &str) -> Result<Breakpoint, String> {
        let (target, condition) = match spec.split_once(" if ") {
            Some((t, c)) if !c.trim().is_empty() => (t.trim(), Some(c.trim().to_string())),
            _ => (spec.trim(), None),
        };
        let kind = if let Some((class, selector)) = target.split_once(">>") {
            let (class, selector) = (class.trim(), selector.trim());
            if class.is_empty() || selector.is_empty() {
                return Err(format!(
                    "bad breakpoint '{target}': expected Class>>selector"
                ));
            }
            BreakpointKind::Method {
                class: class.to_string(),
                selector: selector.to_string(),
            }
        } else if let Some((file, line)) = target.rsplit_once(':') {
            let line = line
                .trim()
                .parse()
                .map_err(|_| format!("bad breakpoint '{target}': '{line}' is not a line number"))?;
            BreakpointKind::Line {
                file: file.trim().to_string(),
                line,
            }
        } else {
            return Err(format!(
                "bad breakpoint '{target}': expected Class>>selector or FILE:LINE"
            ));
        };
        Ok(Breakpoint {
            id,
            kind,
            condition,
        })
    }

    /// How the breakpoint is shown.
    pub fn describe(&self) -> String {
        let target = match &self.kind {
            BreakpointKind::Method { class, selector } => format!("{class}>>{selector}"),
            BreakpointKind::Line { file, line } => format!("{file}:{line}"),
        };
        match &self.condition {
            Some(c) => format!("{target} if {c}"),
            None => target,
        }
    }
}

/// Whether `file` names `spec` (the same path, or ending in `/spec`).
pub(crate) fn file_matches(file: &str, spec: &str) -> bool {
    file == spec || file.ends_with(&format!("/{spec}"))
}

/// Matches breakpoints at boundaries, caching method names by key and, for the method
/// of the last boundary, which breakpoints can hit in it (most boundaries are in the
/// same method as the one before).
#[derive(Default)]
pub(crate) struct Matcher {
    pub breakpoints: Vec<Breakpoint>,
    names: HashMap<MethodKey, MethodNames>,
    /// The last method seen and its candidates: (breakpoint id, `None` for a method
    /// breakpoint (hits on entry) or `Some(line)`), in breakpoint order.
    last: Option<(MethodKey, Vec<Candidate>)>,
}

/// A breakpoint that can hit in a method: its id, and `None` (a method breakpoint,
/// hitting on entry) or `Some(line)`.
type Candidate = (usize, Option<u32>);

impl Matcher {
    pub fn new(breakpoints: Vec<Breakpoint>) -> Matcher {
        Matcher {
            breakpoints,
            names: HashMap::new(),
            last: None,
        }
    }

    /// The breakpoints that can hit somewhere in the method `key`.
    fn candidates(&mut self, vm: &View<'_>, key: MethodKey) -> Vec<Candidate> {
        let names = self
            .names
            .entry(key)
            .or_insert_with(|| MethodNames::of(vm, key));
        self.breakpoints
            .iter()
            .filter_map(|b| match &b.kind {
                BreakpointKind::Method { class, selector } => (&names.selector == selector
                    && &names.class == class
                    && !names.label.starts_with("[]"))
                .then_some((b.id, None)),
                BreakpointKind::Line { file, line } => {
                    file_matches(&names.file, file).then_some((b.id, Some(*line)))
                }
            })
            .collect()
    }

    /// The breakpoints that hit at this boundary (conditions not yet checked).
    pub fn hits(&mut self, vm: &View<'_>, at: &Boundary) -> Vec<usize> {
        if self.breakpoints.is_empty() || at.kind == BoundaryKind::Return {
            return Vec::new();
        }
        let key = vm.method_at(0);
        if self.last.as_ref().is_none_or(|(k, _)| *k != key) {
            let candidates = self.candidates(vm, key);
            self.last = Some((key, candidates));
        }
        let (_, candidates) = self.last.as_ref().expect("just set");
        candidates
            .iter()
            .filter(|(_, line)| match line {
                None => at.kind == BoundaryKind::Enter,
                Some(l) => at.line == *l,
            })
            .map(|(id, _)| *id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_methods_lines_and_conditions() {
        let b = Breakpoint::parse(1, "Foo>>bar:").unwrap();
        assert_eq!(
            b.kind,
            BreakpointKind::Method {
                class: "Foo".into(),
                selector: "bar:".into()
            }
        );
        let b = Breakpoint::parse(2, "Foo.som:12 if x > 3").unwrap();
        assert_eq!(
            b.kind,
            BreakpointKind::Line {
                file: "Foo.som".into(),
                line: 12
            }
        );
        assert_eq!(b.condition.as_deref(), Some("x > 3"));
        assert_eq!(b.describe(), "Foo.som:12 if x > 3");
        assert!(Breakpoint::parse(3, "Foo.som:x").is_err());
        assert!(Breakpoint::parse(3, "nothing").is_err());
        assert!(Breakpoint::parse(3, ">>bar").is_err());
    }

    #[test]
    fn files_match_on_path_suffixes() {
        assert!(file_matches("/a/b/Foo.som", "Foo.som"));
        assert!(file_matches("/a/b/Foo.som", "b/Foo.som"));
        assert!(!file_matches("/a/b/XFoo.som", "Foo.som"));
    }
}
