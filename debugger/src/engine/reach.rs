//! What the program can reach: the classes it loaded by the end of the recording
//! (classes load lazily, so a class it never loaded is one it never ran), the selectors
//! each defines on each side, and the source lines that have code (methods and their
//! blocks). Breakpoints are checked against it: one on a class or selector the program
//! cannot reach is refused, and a line breakpoint on a line without code moves to the
//! next line with code, as gdb does.

use super::{Breakpoint, BreakpointKind};
use som_vm::introspect::{MethodKey, View};
use std::collections::{BTreeSet, HashMap};

use super::breakpoints::file_matches;

/// The loaded program's classes, selectors and lines with code.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reachable {
    /// `Foo` and `Foo class` → selectors defined there.
    methods: HashMap<String, BTreeSet<String>>,
    /// Superclass of each class (both sides).
    superclass: HashMap<String, String>,
    /// Source file → lines with code.
    lines: HashMap<String, BTreeSet<u32>>,
}

impl Reachable {
    /// Reads the program as loaded in `view` (the end of the run).
    pub fn of(view: &View<'_>) -> Reachable {
        let mut r = Reachable::default();
        for name in view.classes() {
            let Some(class) = view.class(&name) else {
                continue;
            };
            let meta = format!("{name} class");
            if let Some(sup) = &class.superclass {
                r.superclass.insert(name.clone(), sup.clone());
                r.superclass.insert(meta.clone(), format!("{sup} class"));
            }
            for (side, methods) in [(name.clone(), &class.methods), (meta, &class.class_methods)] {
                let selectors = methods.iter().map(|m| m.selector.clone());
                r.methods.entry(side).or_default().extend(selectors);
                for m in methods {
                    r.note_lines(view, m.key, 0);
                }
            }
        }
        r
    }

    fn note_lines(&mut self, view: &View<'_>, key: MethodKey, depth: usize) {
        let Some(code) = view.code(key) else { return };
        let lines = self.lines.entry(code.file.clone()).or_default();
        lines.extend(code.bytecodes.iter().map(|b| b.line).filter(|&l| l > 0));
        if depth < 64 {
            for block in code.blocks {
                self.note_lines(view, block, depth + 1);
            }
        }
    }

    /// The breakpoint as it will be kept (a line moved to the next line with code),
    /// or why the program can never hit it.
    pub fn check(&self, bp: Breakpoint) -> Result<(Breakpoint, Option<u32>), String> {
        match &bp.kind {
            BreakpointKind::Method { class, selector } => {
                self.check_method(class, selector)?;
                Ok((bp, None))
            }
            BreakpointKind::Line { file, line } => {
                let (file, line) = (file.clone(), *line);
                let moved = self.check_line(&file, line)?;
                let mut bp = bp;
                bp.kind = BreakpointKind::Line { file, line: moved };
                Ok((bp, (moved != line).then_some(line)))
            }
        }
    }

    fn check_method(&self, class: &str, selector: &str) -> Result<(), String> {
        let Some(selectors) = self.methods.get(class) else {
            let base = class.strip_suffix(" class").unwrap_or(class);
            return Err(format!(
                "no class {base} in the program (it never loads one of that name)"
            ));
        };
        if selectors.contains(selector) {
            return Ok(());
        }
        let mut up = self.superclass.get(class);
        while let Some(sup) = up {
            if self.methods.get(sup).is_some_and(|s| s.contains(selector)) {
                return Err(format!(
                    "{class} does not define #{selector} (it inherits it from {sup}: break {sup}>>{selector})"
                ));
            }
            up = self.superclass.get(sup);
        }
        Err(format!("{class} has no method #{selector}"))
    }

    /// The first line at or after `line` with code in the file `spec` names.
    fn check_line(&self, spec: &str, line: u32) -> Result<u32, String> {
        let files: Vec<(&String, &BTreeSet<u32>)> = self
            .lines
            .iter()
            .filter(|(f, _)| file_matches(f, spec))
            .collect();
        if files.is_empty() {
            return Err(format!("no source file {spec} in the program"));
        }
        files
            .iter()
            .filter_map(|(_, lines)| lines.range(line..).next().copied())
            .min()
            .ok_or_else(|| format!("no code at or after line {line} of {spec}"))
    }
}
