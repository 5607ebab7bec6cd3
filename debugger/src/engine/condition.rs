//! Breakpoint conditions. A condition of the form `PATH OP INTEGER` (a watch path such
//! as `i`, `self.count` or `a.b`, an operator among `=` `~=` `<` `>` `<=` `>=`, an
//! integer literal) whose path holds a small integer is decided by reading the value
//! from the heap: no evaluation, so no snapshot and restore of the VM per hit. Every
//! other condition (or value) goes to `Machine::evaluate`, as before.

use super::watch::resolve;
use som_vm::introspect::{Machine, View};

/// Whether `condition` holds in frame 0 of the paused machine.
pub(crate) fn holds(machine: &mut Machine, condition: &str) -> bool {
    match quick(&machine.view(), condition) {
        Some(answer) => answer,
        None => machine.evaluate(0, condition).is_ok_and(|v| v == "true"),
    }
}

/// `condition` decided from the heap, or `None` when it needs the VM.
fn quick(view: &View<'_>, condition: &str) -> Option<bool> {
    let (path, op, literal) = split(condition)?;
    let wanted: i64 = literal.parse().ok()?;
    let value = resolve(view, 0, path).ok()?.read(view)?;
    if view.class_of(value) != "Integer" {
        return None;
    }
    let actual: i64 = view.describe(value).parse().ok()?;
    Some(match op {
        "=" => actual == wanted,
        "~=" => actual != wanted,
        "<" => actual < wanted,
        ">" => actual > wanted,
        "<=" => actual <= wanted,
        ">=" => actual >= wanted,
        _ => return None,
    })
}

/// `PATH OP LITERAL` split at its one operator.
fn split(condition: &str) -> Option<(&str, &str, &str)> {
    const OPS: [&str; 6] = ["~=", "<=", ">=", "=", "<", ">"];
    let at = condition.find(['=', '<', '>', '~'])?;
    let op = OPS.iter().find(|op| condition[at..].starts_with(**op))?;
    let (path, literal) = (condition[..at].trim(), condition[at + op.len()..].trim());
    let simple = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '_')
    };
    let literal_ok = literal
        .strip_prefix('-')
        .unwrap_or(literal)
        .chars()
        .all(|c| c.is_ascii_digit());
    (simple(path) && !literal.is_empty() && literal_ok).then_some((path, op, literal))
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn only_a_path_an_operator_and_an_integer_are_decided_without_the_vm() {
        assert_eq!(split("i = 3"), Some(("i", "=", "3")));
        assert_eq!(split("self.count>=-2"), Some(("self.count", ">=", "-2")));
        assert_eq!(split("a.b ~= 10"), Some(("a.b", "~=", "10")));
        assert_eq!(split("x < 7"), Some(("x", "<", "7")));
        assert_eq!(split("x + 1 > 3"), None);
        assert_eq!(split("x = 'a'"), None);
        assert_eq!(split("x isNil"), None);
        assert_eq!(split("x = y"), None);
        assert_eq!(split("= 3"), None);
    }
}
