//! Generated workloads about message sends: monomorphic, polymorphic and megamorphic send
//! sites, and deep and branching recursion.

use super::{floor_mod, Workload};
use crate::prng::Prng;
use crate::program::{ClassDef, MethodDef};

/// One arithmetic step `(x * a + i + b) % m`, as SOM source and mirrored in Rust.
struct Step {
    a: i128,
    b: i128,
}

impl Step {
    fn random(rng: &mut Prng) -> Step {
        Step {
            a: rng.range(2, 999) as i128,
            b: rng.range(0, 999) as i128,
        }
    }

    fn source(&self, m: i128) -> String {
        format!("^ (x * {} + i + {}) % {m}", self.a, self.b)
    }

    fn apply(&self, x: i128, i: i128, m: i128) -> i128 {
        floor_mod(x * self.a + i + self.b, m)
    }
}

/// Several step methods of the main class, all sent at monomorphic sites in one loop.
pub fn monomorphic(rng: &mut Prng, _name: &str) -> Workload {
    let m = rng.range(1000, 100_000) as i128;
    let n = rng.range(200, 2000) as i128;
    let seed = rng.range(0, 999) as i128;
    let steps: Vec<Step> = (0..rng.range(2, 5)).map(|_| Step::random(rng)).collect();
    let calls: Vec<String> = (0..steps.len())
        .map(|j| format!("acc := self step{j}: acc with: i"))
        .collect();
    let methods = steps
        .iter()
        .enumerate()
        .map(|(j, s)| MethodDef::new(&format!("step{j}: x with: i"), &[], vec![s.source(m)]))
        .collect();
    let mut acc = seed;
    for i in 1..=n {
        for s in &steps {
            acc = s.apply(acc, i, m);
        }
    }
    Workload {
        work: vec![
            format!("acc := {seed}"),
            format!("1 to: {n} do: [ :i | {} ]", calls.join(". ")),
            "^ acc".into(),
        ],
        work_locals: vec!["acc"],
        methods,
        fields: vec![],
        helpers: vec![],
        expected: acc,
        clock: (n as u64) * (5 * steps.len() as u64 + 1),
    }
}

/// One send site whose receiver cycles through `lo..=hi` helper classes, each with its
/// own `f:with:`.
pub fn polymorphic(rng: &mut Prng, name: &str, lo: i64, hi: i64) -> Workload {
    let k = rng.range(lo, hi) as i128;
    let m = rng.range(1000, 100_000) as i128;
    let n = rng.range(500, 3000) as i128;
    let (p, q) = (rng.range(1, 7) as i128 * 2 + 1, rng.range(0, 9) as i128);
    let steps: Vec<Step> = (0..k).map(|_| Step::random(rng)).collect();
    let helpers = steps
        .iter()
        .enumerate()
        .map(|(j, s)| ClassDef {
            name: format!("{name}C{j}"),
            superclass: None,
            comment: format!("Receiver class {j} of {name}'s polymorphic send site."),
            fields: vec![],
            methods: vec![MethodDef::new("f: x with: i", &[], vec![s.source(m)])],
        })
        .collect();
    let mut work = vec![format!("objs := Array new: {k}")];
    for j in 0..k {
        work.push(format!("objs at: {} put: {name}C{j} new", j + 1));
    }
    work.push("acc := 0".into());
    work.push(format!(
        "1 to: {n} do: [ :i | acc := (objs at: (i * {p} + {q}) % {k} + 1) f: acc with: i ]"
    ));
    work.push("^ acc".into());
    let mut acc = 0;
    for i in 1..=n {
        acc = steps[floor_mod(i * p + q, k) as usize].apply(acc, i, m);
    }
    Workload {
        work,
        work_locals: vec!["objs", "acc"],
        methods: vec![],
        fields: vec![],
        helpers,
        expected: acc,
        clock: n as u64 * 9 + k as u64 * 2,
    }
}

/// A deep linear recursion (thousands of frames) and a branching one.
pub fn recursion(rng: &mut Prng, _name: &str) -> Workload {
    let m = rng.range(1000, 1_000_000) as i128;
    let (a, depth, seed) = (
        rng.range(2, 99) as i128,
        rng.range(2000, 20_000) as i128,
        rng.range(0, 99) as i128,
    );
    let (b, c, t) = (
        rng.range(0, 9) as i128,
        rng.range(1, 9) as i128,
        rng.range(10, 17) as i128,
    );
    let methods = vec![
        MethodDef::new(
            "down: n acc: a",
            &[],
            vec![
                "n = 0 ifTrue: [ ^ a ]".into(),
                format!("^ self down: n - 1 acc: (a * {a} + n) % {m}"),
            ],
        ),
        MethodDef::new(
            "tree: n",
            &[],
            vec![
                format!("n < 2 ifTrue: [ ^ n + {b} ]"),
                format!("^ ((self tree: n - 1) + (self tree: n - 2)) * {c} % {m}"),
            ],
        ),
    ];
    let mut down = seed;
    for k in (1..=depth).rev() {
        down = floor_mod(down * a + k, m);
    }
    let mut tree = vec![b, 1 + b];
    for k in 2..=t as usize {
        tree.push(floor_mod((tree[k - 1] + tree[k - 2]) * c, m));
    }
    let calls = 2 * fib(t as u64 + 1);
    Workload {
        work: vec![
            format!("x := self down: {depth} acc: {seed}"),
            format!("y := self tree: {t}"),
            format!("^ (x + y) % {m}"),
        ],
        work_locals: vec!["x", "y"],
        methods,
        fields: vec![],
        helpers: vec![],
        expected: floor_mod(down + tree[t as usize], m),
        clock: depth as u64 * 6 + calls * 7,
    }
}

fn fib(n: u64) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        (a, b) = (b, a + b);
    }
    a
}
