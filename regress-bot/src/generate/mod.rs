//! The seeded benchmark generator: `generate(seed, count, budget)` answers programs, each
//! aimed at one VM feature, each checking its own result against a value computed here in
//! Rust by mirroring the program's arithmetic. Same seed, same text, on every machine.

mod data;
mod numbers;
mod sends;

use crate::prng::Prng;
use crate::program::{int_lit, ClassDef, MethodDef, Program};

/// The VM feature a program aims at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Monomorphic,
    Polymorphic,
    Megamorphic,
    BigInt,
    Float,
    Allocation,
    Closures,
    Arrays,
    StringsDicts,
    Recursion,
    TypeChange,
}

pub const KINDS: &[Kind] = &[
    Kind::Monomorphic,
    Kind::Polymorphic,
    Kind::Megamorphic,
    Kind::BigInt,
    Kind::Float,
    Kind::Allocation,
    Kind::Closures,
    Kind::Arrays,
    Kind::StringsDicts,
    Kind::Recursion,
    Kind::TypeChange,
];

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Monomorphic => "Mono",
            Kind::Polymorphic => "Poly",
            Kind::Megamorphic => "Mega",
            Kind::BigInt => "BigInt",
            Kind::Float => "Float",
            Kind::Allocation => "Alloc",
            Kind::Closures => "Closure",
            Kind::Arrays => "Array",
            Kind::StringsDicts => "StrDict",
            Kind::Recursion => "Recur",
            Kind::TypeChange => "TypeChange",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::Monomorphic => "monomorphic sends to methods of one class",
            Kind::Polymorphic => "polymorphic sends: 2 to 4 receiver classes per site",
            Kind::Megamorphic => "megamorphic sends: 6 to 10 receiver classes per site",
            Kind::BigInt => "small-integer arithmetic overflowing into big integers and back",
            Kind::Float => "double arithmetic mixed with integers",
            Kind::Allocation => "allocation and GC pressure: linked nodes and arrays",
            Kind::Closures => "closures, captured variables and non-local returns",
            Kind::Arrays => "array reads, writes and in-place sorting",
            Kind::StringsDicts => "string building, symbols and dictionaries",
            Kind::Recursion => "deep and branching recursion",
            Kind::TypeChange => "send sites and operands that change type part-way through",
        }
    }
}

/// What a kind contributes: the `work` method (one unit of benchmark work, answering an
/// integer), extra methods and fields of the main class, helper classes, the expected
/// answer, and an estimate of the logical clock one `work` costs.
pub struct Workload {
    pub work: Vec<String>,
    pub work_locals: Vec<&'static str>,
    pub methods: Vec<MethodDef>,
    pub fields: Vec<String>,
    pub helpers: Vec<ClassDef>,
    pub expected: i128,
    pub clock: u64,
}

/// Logical-clock ticks the interpreter runs per millisecond, a fixed figure (not measured
/// here) so that the budget turns into the same inner count on every machine.
pub const CLOCK_PER_MS: u64 = 20_000;

/// `count` programs for `seed`, kinds in rotation, each sized for about `budget_ms` per
/// benchmark iteration in the interpreter.
pub fn generate(seed: u64, count: usize, budget_ms: u64) -> Vec<Program> {
    let root = Prng::new(seed);
    (0..count)
        .map(|i| {
            let kind = KINDS[i % KINDS.len()];
            let mut rng = root.fork(i as u64 + 1);
            let name = format!("G{seed}n{i:03}{}", kind.label());
            program(kind, &name, &mut rng, budget_ms)
        })
        .collect()
}

/// One program of the given kind.
pub fn program(kind: Kind, name: &str, rng: &mut Prng, budget_ms: u64) -> Program {
    let w = match kind {
        Kind::Monomorphic => sends::monomorphic(rng, name),
        Kind::Polymorphic => sends::polymorphic(rng, name, 2, 4),
        Kind::Megamorphic => sends::polymorphic(rng, name, 6, 10),
        Kind::Recursion => sends::recursion(rng, name),
        Kind::BigInt => numbers::big_int(rng, name),
        Kind::Float => numbers::float(rng, name),
        Kind::TypeChange => numbers::type_change(rng, name),
        Kind::Allocation => data::allocation(rng, name),
        Kind::Closures => data::closures(rng, name),
        Kind::Arrays => data::arrays(rng, name),
        Kind::StringsDicts => data::strings_dicts(rng, name),
    };
    let inner = (budget_ms * CLOCK_PER_MS / w.clock.max(1)).clamp(1, 100_000);
    let mut classes = vec![main_class(kind, name, &w, inner)];
    classes.extend(w.helpers);
    Program {
        kind: kind.label(),
        classes,
        inner,
    }
}

fn main_class(kind: Kind, name: &str, w: &Workload, inner: u64) -> ClassDef {
    let expected = int_lit(w.expected);
    let mut methods = vec![
        MethodDef::new(
            "run: args",
            &["inner", "result"],
            vec![
                format!("inner := args length > 1 ifTrue: [ (args at: 2) asInteger ] ifFalse: [ {inner} ]"),
                "result := self benchmark: inner".into(),
                "(self verify: result) ifFalse: [ system exit: 1 ]".into(),
                format!("('{name}: ok ' + result asString) println"),
            ],
        ),
        MethodDef::new(
            "benchmark: inner",
            &["result"],
            vec![
                "1 to: inner do: [ :round | result := self work ]".into(),
                "^ result".into(),
            ],
        ),
        MethodDef::new(
            "verify: result",
            &[],
            vec![
                format!("result = {expected} ifTrue: [ ^ true ]"),
                format!("system errorPrintln: '{name}: wrong result ' + result asString + ', expected ' + {expected} asString"),
                "^ false".into(),
            ],
        ),
        MethodDef::new("work", &w.work_locals, w.work.clone()),
    ];
    methods.extend(w.methods.iter().cloned());
    ClassDef {
        name: name.to_string(),
        superclass: None,
        comment: format!(
            "Generated by som-regress: {}. Run: som {name}.som [inner], or through BenchHarness.som.",
            kind.describe()
        ),
        fields: w.fields.clone(),
        methods,
    }
}

/// Integer division rounding towards negative infinity (SOM's `/`).
pub fn floor_div(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b != 0 && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

/// Modulo with the sign of the divisor (SOM's `%`).
pub fn floor_mod(a: i128, b: i128) -> i128 {
    a - b * floor_div(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_division_and_modulo_follow_the_divisor() {
        assert_eq!(floor_div(7, 2), 3);
        assert_eq!(floor_div(-7, 2), -4);
        assert_eq!(floor_div(7, -2), -4);
        assert_eq!(floor_div(-7, -2), 3);
        assert_eq!(floor_mod(-7, 2), 1);
        assert_eq!(floor_mod(7, -2), -1);
        assert_eq!(floor_mod(6, 3), 0);
    }

    #[test]
    fn the_same_seed_gives_the_same_programs_and_another_seed_does_not() {
        let a = generate(5, 22, 50);
        assert_eq!(a, generate(5, 22, 50));
        assert_ne!(a, generate(6, 22, 50));
        let kinds: std::collections::BTreeSet<_> = a.iter().map(|p| p.kind).collect();
        assert_eq!(kinds.len(), KINDS.len());
    }

    #[test]
    fn a_larger_budget_means_more_inner_rounds_not_another_program() {
        let small = generate(3, 1, 10).remove(0);
        let large = generate(3, 1, 1000).remove(0);
        assert_eq!(small.classes[0].methods[1..], large.classes[0].methods[1..]);
        assert_ne!(small.classes[0].methods[0], large.classes[0].methods[0]);
    }
}
