//! Method and block names as users type them, resolved through `som_vm::introspect`:
//! `Class>>selector`, `Class class>>selector` (looked up along superclasses), and a
//! block as the VM names it, `[] in Class>>selector`, optionally with ` @LINE` (the line
//! the block starts on) when the method has several blocks that ran. som-asm and som-inspect
//! accept the same names everywhere.

use som_vm::introspect::{MethodKey, View};

/// Why a name does not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("no class {0} in the program or the core library")]
    NoClass(String),
    #[error(
        "no method {0} (write Class>>selector, 'Class class>>selector' or '[] in Class>>selector')"
    )]
    NoMethod(String),
    #[error("{0} has no block{1}")]
    NoBlock(String, String),
    #[error("{spec} names {} blocks; add the line one starts on: {}", .lines.len(),
        .lines.iter().map(|l| format!("'{} @{l}'", .spec)).collect::<Vec<_>>().join(", "))]
    Ambiguous { spec: String, lines: Vec<u32> },
}

/// The prefix of a block's name.
pub const BLOCK_PREFIX: &str = "[] in ";

/// A parsed name: the method, and for a block the line it starts on if given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name<'a> {
    pub class: &'a str,
    pub selector: &'a str,
    /// `Some` for `[] in ...`: the block's start line, if given.
    pub block: Option<Option<u32>>,
}

/// Parses `Class>>sel`, `Class class>>sel`, `[] in Class>>sel` or `[] in Class>>sel @12`.
pub fn parse(spec: &str) -> Option<Name<'_>> {
    let spec = spec.trim();
    let (method, block) = match spec.strip_prefix(BLOCK_PREFIX) {
        Some(rest) => match rest.rsplit_once(" @") {
            Some((m, line)) => (m.trim(), Some(Some(line.trim().parse().ok()?))),
            None => (rest.trim(), Some(None)),
        },
        None => (spec, None),
    };
    let (class, selector) = method.split_once(">>")?;
    let (class, selector) = (class.trim(), selector.trim());
    (!class.is_empty() && !selector.is_empty()).then_some(Name {
        class,
        selector,
        block,
    })
}

/// The blocks nested in `key` at any depth, in source order (by start line, then as
/// the compiler numbered them).
pub fn nested_blocks(view: &View<'_>, key: MethodKey) -> Vec<MethodKey> {
    let mut out: Vec<MethodKey> = Vec::new();
    let mut next = 0;
    let blocks_of = |k: MethodKey| view.code(k).map(|c| c.blocks).unwrap_or_default();
    let mut todo = blocks_of(key);
    loop {
        for b in todo.drain(..) {
            if !out.contains(&b) {
                out.push(b);
            }
        }
        let Some(&k) = out.get(next) else { break };
        next += 1;
        todo = blocks_of(k);
    }
    // Stable: blocks on one line stay in the compiler's order.
    out.sort_by_key(|&b| view.code(b).map_or(0, |c| c.line));
    out
}

/// Whether a block ran: it has tier-1 code or the bytecode profile counted it (an
/// inlined block's fallback usually never runs).
fn ran(view: &View<'_>, block: MethodKey) -> bool {
    view.native_code(block).is_some() || view.bytecode_counts(block).iter().any(|&n| n > 0)
}

/// Resolves a name to a method or block. A block name picks among the blocks that
/// ran (all of them when none did); several on one line (a block beside an inlined
/// block's fallback) resolve to the first.
pub fn resolve(view: &View<'_>, spec: &str) -> Result<MethodKey, NameError> {
    let name = parse(spec).ok_or_else(|| NameError::NoMethod(spec.trim().to_string()))?;
    let base = name.class.trim_end_matches(" class");
    if view.class(base).is_none() {
        return Err(NameError::NoClass(base.to_string()));
    }
    let method_spec = format!("{}>>{}", name.class, name.selector);
    let key = view
        .find_method(name.class, name.selector)
        .ok_or_else(|| NameError::NoMethod(spec.trim().to_string()))?;
    let Some(line) = name.block else {
        return Ok(key);
    };
    let line_of = |b: MethodKey| view.code(b).map_or(0, |c| c.line);
    let mut blocks: Vec<MethodKey> = nested_blocks(view, key)
        .into_iter()
        .filter(|&b| line.is_none_or(|l| line_of(b) == l))
        .collect();
    if blocks.iter().any(|&b| ran(view, b)) {
        blocks.retain(|&b| ran(view, b));
    }
    let mut lines: Vec<u32> = blocks.iter().map(|&b| line_of(b)).collect();
    lines.dedup();
    match lines.len() {
        0 => Err(NameError::NoBlock(
            method_spec,
            line.map(|l| format!(" starting on line {l}"))
                .unwrap_or_default(),
        )),
        1 => Ok(blocks[0]),
        _ => Err(NameError::Ambiguous {
            spec: format!("{BLOCK_PREFIX}{method_spec}"),
            lines,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_with_and_without_block_and_line() {
        let n = parse("Foo>>bar:").unwrap();
        assert_eq!((n.class, n.selector, n.block), ("Foo", "bar:", None));
        let n = parse(" [] in Foo class>>at:put: ").unwrap();
        assert_eq!(
            (n.class, n.selector, n.block),
            ("Foo class", "at:put:", Some(None))
        );
        assert_eq!(parse("[] in Foo>>+ @12").unwrap().block, Some(Some(12)));
        assert_eq!(parse("[] in Foo>>bar @x"), None);
        assert_eq!(parse("Foo"), None);
        assert_eq!(parse(">>bar"), None);
    }

    #[test]
    fn an_ambiguous_block_name_lists_the_names_to_use() {
        let e = NameError::Ambiguous {
            spec: "[] in A>>b".into(),
            lines: vec![3, 7],
        };
        assert_eq!(
            e.to_string(),
            "[] in A>>b names 2 blocks; add the line one starts on: '[] in A>>b @3', '[] in A>>b @7'"
        );
    }
}
