//! A generated SOM program as data: classes of methods of one-line statements, so the
//! shrinker can drop classes, methods and statements and the result still parses.
//! Renders to one `.som` file per class.

use std::path::{Path, PathBuf};

/// One method: its pattern (`run: args`, `+ other`, `work`), temporaries and statements,
/// each statement a complete expression on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodDef {
    pub pattern: String,
    pub locals: Vec<String>,
    pub body: Vec<String>,
}

impl MethodDef {
    pub fn new(pattern: &str, locals: &[&str], body: Vec<String>) -> MethodDef {
        MethodDef {
            pattern: pattern.to_string(),
            locals: locals.iter().map(|s| s.to_string()).collect(),
            body,
        }
    }
}

/// One class; `superclass` `None` means Object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassDef {
    pub name: String,
    pub superclass: Option<String>,
    pub comment: String,
    pub fields: Vec<String>,
    pub methods: Vec<MethodDef>,
}

/// A program: the first class is the one `som` runs (it has `run:`, `benchmark:` and
/// `verify:`); the others are helpers found on the class path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    pub kind: &'static str,
    pub classes: Vec<ClassDef>,
    /// The inner size `run:` uses by default (sized for the generation budget).
    pub inner: u64,
}

impl ClassDef {
    /// The class as SOM source, one statement per line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if !self.comment.is_empty() {
            out.push_str(&format!("\"{}\"\n", self.comment.replace('"', "'")));
        }
        match &self.superclass {
            Some(s) => out.push_str(&format!("{} = {} (\n", self.name, s)),
            None => out.push_str(&format!("{} = (\n", self.name)),
        }
        if !self.fields.is_empty() {
            out.push_str(&format!("    | {} |\n", self.fields.join(" ")));
        }
        for m in &self.methods {
            render_method(m, &mut out);
        }
        out.push_str(")\n");
        out
    }
}

fn render_method(m: &MethodDef, out: &mut String) {
    if m.locals.is_empty() && m.body.len() <= 1 {
        let body = m.body.first().map(String::as_str).unwrap_or("");
        out.push_str(&format!("    {} = ( {} )\n", m.pattern, body));
        return;
    }
    out.push_str(&format!("    {} = (\n", m.pattern));
    if !m.locals.is_empty() {
        out.push_str(&format!("        | {} |\n", m.locals.join(" ")));
    }
    let n = m.body.len();
    for (i, s) in m.body.iter().enumerate() {
        let end = if i + 1 < n { "." } else { "" };
        out.push_str(&format!("        {s}{end}\n"));
    }
    out.push_str("    )\n");
}

impl Program {
    /// The class `som` runs.
    pub fn main_class(&self) -> &str {
        &self.classes[0].name
    }

    /// Every class as (file name, source).
    pub fn files(&self) -> Vec<(String, String)> {
        self.classes
            .iter()
            .map(|c| (format!("{}.som", c.name), c.render()))
            .collect()
    }

    /// Lines of source over all files.
    pub fn line_count(&self) -> usize {
        self.files().iter().map(|(_, s)| s.lines().count()).sum()
    }

    /// Writes every class file into `dir`; answers the main file's path.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        for (name, text) in self.files() {
            std::fs::write(dir.join(name), text)?;
        }
        Ok(dir.join(format!("{}.som", self.main_class())))
    }

    /// All files concatenated with a header line per file, for printing a reproducer.
    pub fn listing(&self) -> String {
        self.files()
            .iter()
            .map(|(name, text)| format!("\"--- {name}\"\n{text}"))
            .collect()
    }
}

/// An integer as a SOM expression (negative numbers as `(0 - n)`, which every parser reads
/// the same way).
pub fn int_lit(v: i128) -> String {
    if v < 0 {
        format!("(0 - {})", v.unsigned_abs())
    } else {
        v.to_string()
    }
}

/// A double literal in plain decimal notation that reads back to exactly `v`.
pub fn double_lit(v: f64) -> String {
    let s = format!("{v:?}");
    assert!(
        !s.contains('e') && v >= 0.0,
        "generator emits plain non-negative doubles"
    );
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ClassDef {
        ClassDef {
            name: "Sample".into(),
            superclass: None,
            comment: "a \"test\"".into(),
            fields: vec!["a".into()],
            methods: vec![
                MethodDef::new("x", &[], vec!["^ 1".into()]),
                MethodDef::new("y: v", &["t"], vec!["t := v".into(), "^ t".into()]),
            ],
        }
    }

    #[test]
    fn classes_render_one_statement_per_line() {
        let text = sample().render();
        assert_eq!(
            text,
            "\"a 'test'\"\nSample = (\n    | a |\n    x = ( ^ 1 )\n    y: v = (\n        | t |\n        t := v.\n        ^ t\n    )\n)\n"
        );
    }

    #[test]
    fn negative_integers_and_doubles_render_as_plain_expressions() {
        assert_eq!(int_lit(-5), "(0 - 5)");
        assert_eq!(int_lit(12), "12");
        assert_eq!(double_lit(0.25), "0.25");
        assert_eq!(double_lit(3.0), "3.0");
    }
}
