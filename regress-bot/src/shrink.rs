//! Delta debugging (Zeller's ddmin) over a generated program: first whole helper classes,
//! then methods, then single statements, then method temporaries and class comments, keeping every candidate
//! syntactically valid because the units are whole classes, methods and one-line statements.

use crate::program::Program;

/// The smallest program found that `still_fails` accepts; `program` itself must fail.
pub fn shrink(program: &Program, still_fails: &mut dyn FnMut(&Program) -> bool) -> Program {
    let mut best = program.clone();
    loop {
        let before = best.line_count();
        best = shrink_level(&best, still_fails, classes, keep_classes);
        best = shrink_level(&best, still_fails, methods, keep_methods);
        best = shrink_level(&best, still_fails, statements, keep_statements);
        best = shrink_level(&best, still_fails, locals, keep_locals);
        let mut bare = best.clone();
        bare.classes.iter_mut().for_each(|c| c.comment.clear());
        if bare != best && still_fails(&bare) {
            best = bare;
        }
        if best.line_count() >= before {
            return best;
        }
    }
}

type Unit = (usize, usize, usize);

fn shrink_level(
    program: &Program,
    still_fails: &mut dyn FnMut(&Program) -> bool,
    units: fn(&Program) -> Vec<Unit>,
    keep: fn(&Program, &[Unit]) -> Program,
) -> Program {
    let all = units(program);
    let kept = ddmin(all, &mut |subset| still_fails(&keep(program, subset)));
    keep(program, &kept)
}

/// Helper classes (the main class, index 0, always stays).
fn classes(p: &Program) -> Vec<Unit> {
    (1..p.classes.len()).map(|c| (c, 0, 0)).collect()
}

fn keep_classes(p: &Program, kept: &[Unit]) -> Program {
    let mut out = p.clone();
    out.classes = p
        .classes
        .iter()
        .enumerate()
        .filter(|(c, _)| *c == 0 || kept.contains(&(*c, 0, 0)))
        .map(|(_, class)| class.clone())
        .collect();
    out
}

fn methods(p: &Program) -> Vec<Unit> {
    let mut v = Vec::new();
    for (c, class) in p.classes.iter().enumerate() {
        v.extend((0..class.methods.len()).map(|m| (c, m, 0)));
    }
    v
}

fn keep_methods(p: &Program, kept: &[Unit]) -> Program {
    let mut out = p.clone();
    for (c, class) in out.classes.iter_mut().enumerate() {
        let mut m = 0;
        class.methods.retain(|_| {
            m += 1;
            kept.contains(&(c, m - 1, 0))
        });
    }
    out
}

fn statements(p: &Program) -> Vec<Unit> {
    let mut v = Vec::new();
    for (c, class) in p.classes.iter().enumerate() {
        for (m, method) in class.methods.iter().enumerate() {
            v.extend((0..method.body.len()).map(|s| (c, m, s)));
        }
    }
    v
}

fn keep_statements(p: &Program, kept: &[Unit]) -> Program {
    let mut out = p.clone();
    for (c, class) in out.classes.iter_mut().enumerate() {
        for (m, method) in class.methods.iter_mut().enumerate() {
            let mut s = 0;
            method.body.retain(|_| {
                s += 1;
                kept.contains(&(c, m, s - 1))
            });
        }
    }
    out
}

fn locals(p: &Program) -> Vec<Unit> {
    let mut v = Vec::new();
    for (c, class) in p.classes.iter().enumerate() {
        for (m, method) in class.methods.iter().enumerate() {
            v.extend((0..method.locals.len()).map(|l| (c, m, l)));
        }
    }
    v
}

fn keep_locals(p: &Program, kept: &[Unit]) -> Program {
    let mut out = p.clone();
    for (c, class) in out.classes.iter_mut().enumerate() {
        for (m, method) in class.methods.iter_mut().enumerate() {
            let mut l = 0;
            method.locals.retain(|_| {
                l += 1;
                kept.contains(&(c, m, l - 1))
            });
        }
    }
    out
}

/// ddmin: a 1-minimal subset of `units` on which `fails` holds (it must hold on all).
pub fn ddmin<T: Clone>(units: Vec<T>, fails: &mut dyn FnMut(&[T]) -> bool) -> Vec<T> {
    if fails(&[]) {
        return Vec::new();
    }
    let mut current = units;
    let mut n = 2usize;
    while current.len() >= 2 {
        let chunk = current.len().div_ceil(n);
        let parts: Vec<Vec<T>> = current.chunks(chunk).map(|c| c.to_vec()).collect();
        let mut reduced = false;
        for (i, part) in parts.iter().enumerate() {
            if fails(part) {
                current = part.clone();
                n = 2;
                reduced = true;
                break;
            }
            let complement: Vec<T> = parts
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .flat_map(|(_, p)| p.iter().cloned())
                .collect();
            if parts.len() > 2 && fails(&complement) {
                current = complement;
                n = (n - 1).max(2);
                reduced = true;
                break;
            }
        }
        if !reduced {
            if n >= current.len() {
                break;
            }
            n = (n * 2).min(current.len());
        }
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{program, Kind};
    use crate::prng::Prng;

    #[test]
    fn ddmin_finds_the_two_units_that_matter() {
        let units: Vec<u32> = (0..40).collect();
        let mut tests = 0;
        let kept = ddmin(units, &mut |s| {
            tests += 1;
            s.contains(&7) && s.contains(&31)
        });
        assert_eq!(kept, vec![7, 31]);
        assert!(tests < 100, "{tests} tests");
    }

    #[test]
    fn a_marked_statement_shrinks_to_a_tiny_program() {
        let p = program(Kind::StringsDicts, "Shrunk", &mut Prng::new(3), 10);
        let marker = |p: &Program| p.files().iter().any(|(_, t)| t.contains("asSymbol"));
        assert!(marker(&p) && p.line_count() > 20);
        let small = shrink(&p, &mut |q| marker(q));
        assert!(marker(&small));
        assert!(small.line_count() <= 3, "{}", small.listing());
        assert_eq!(small.classes.len(), 1);
        assert_eq!(small.classes[0].methods.len(), 1);
        assert_eq!(small.classes[0].methods[0].body.len(), 1);
    }

    #[test]
    fn helper_classes_go_when_the_failure_does_not_need_them() {
        let p = program(Kind::Megamorphic, "Mega", &mut Prng::new(8), 10);
        assert!(p.classes.len() >= 7);
        let needs_c3 = |p: &Program| p.classes.iter().any(|c| c.name == "MegaC3");
        let small = shrink(&p, &mut |q| needs_c3(q));
        let names: Vec<_> = small.classes.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["Mega", "MegaC3"]);
    }
}
