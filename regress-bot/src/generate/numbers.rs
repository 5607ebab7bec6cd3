//! Generated workloads about numbers: small integers overflowing into big integers (with
//! SOM's floor division and modulo), doubles mixed with integers, and operands and send
//! sites that change type part-way through a run.

use super::{floor_div, floor_mod, Workload};
use crate::prng::Prng;
use crate::program::{int_lit, ClassDef, MethodDef};

/// A big modulus between 2^63 and 2^90, so products leave the small-integer range and
/// `%` brings them back.
fn big_modulus(rng: &mut Prng) -> i128 {
    let bits = rng.range(63, 90) as u32;
    (1i128 << bits) + (rng.next_u64() & ((1 << 40) - 1)) as i128 + 1
}

pub fn big_int(rng: &mut Prng, _name: &str) -> Workload {
    let m = big_modulus(rng);
    let a = rng.range(2, 1 << 30) as i128;
    let (x, y) = (
        rng.range(1 << 30, 1 << 40) as i128,
        rng.range(1 << 30, 1 << 40) as i128,
    );
    let (n, seed) = (rng.range(300, 3000) as i128, rng.range(0, 1000) as i128);
    let (d, small) = (rng.range(2, 1 << 20) as i128, rng.range(7, 1 << 30) as i128);
    let mut acc = seed;
    for i in 1..=n {
        acc = floor_mod(acc * a - (i + x) * y, m);
    }
    let neg = floor_div(-acc, d);
    Workload {
        work: vec![
            format!("acc := {seed}"),
            format!("1 to: {n} do: [ :i | acc := (acc * {a} - ((i + {x}) * {y})) % {m} ]"),
            format!("neg := (0 - acc) / {d}"),
            format!("^ acc + neg + (acc % {small})"),
        ],
        work_locals: vec!["acc", "neg"],
        methods: vec![],
        fields: vec![],
        helpers: vec![],
        expected: acc + neg + floor_mod(acc, small),
        clock: n as u64 * 7,
    }
}

/// A decimal literal `0.ddd` and its value as Rust reads it (the same IEEE double).
fn fraction(rng: &mut Prng) -> (String, f64) {
    let text = format!("0.{:03}", rng.range(100, 899));
    let value = text.parse().expect("a decimal literal");
    (text, value)
}

pub fn float(rng: &mut Prng, _name: &str) -> Workload {
    let (a_text, a) = fraction(rng);
    let (b_text, b) = fraction(rng);
    let (x0_text, x0) = fraction(rng);
    let (n, d) = (rng.range(500, 5000), rng.range(2, 50));
    let (mut x, mut s) = (x0, 0.0f64);
    for i in 1..=n {
        x = x * a + (i as f64 / d as f64);
        s += x * b;
    }
    let result = ((s.sqrt() + x) * 1000.0).trunc();
    Workload {
        work: vec![
            format!("x := {x0_text}"),
            "s := 0.0".into(),
            format!(
                "1 to: {n} do: [ :i | x := x * {a_text} + (i // {d}). s := s + (x * {b_text}) ]"
            ),
            "^ ((s sqrt + x) * 1000) asInteger".into(),
        ],
        work_locals: vec!["x", "s"],
        methods: vec![],
        fields: vec![],
        helpers: vec![],
        expected: result as i128,
        clock: n as u64 * 7,
    }
}

/// Three phases that each switch type at a chosen iteration: the receiver class of a
/// send site, an operand from Integer to Double, and a sum from small to big integers.
pub fn type_change(rng: &mut Prng, name: &str) -> Workload {
    let m = rng.range(1000, 1_000_000) as i128;
    let (ka, kb) = (rng.range(1, 99) as i128, rng.range(1, 99) as i128);
    let (n, s) = (rng.range(200, 2000) as i128, 0);
    let s = s + rng.range(1, n as i64 - 1) as i128;
    let (n2, s2) = (rng.range(200, 2000) as i128, 0);
    let s2 = s2 + rng.range(1, n2 as i64 - 1) as i128;
    let (n3, s3, big) = (
        rng.range(100, 1000) as i128,
        rng.range(1, 99) as i128,
        rng.range(1 << 60, i64::MAX) as i128,
    );
    let m3 = big_modulus(rng);
    let helpers = vec![
        helper(name, "A", format!("^ x + {ka}")),
        helper(name, "B", format!("^ x * 2 + {kb}")),
    ];
    let mix = MethodDef::new(
        "mix: d with: v",
        &[],
        vec!["^ d + v > 1000000 ifTrue: [ d + v - 1000000 ] ifFalse: [ d + v ]".into()],
    );
    let mut acc = 0;
    for i in 1..=n {
        let v = acc + i;
        acc = floor_mod(if i <= s { v + ka } else { v * 2 + kb }, m);
    }
    let mut twice_d = 0;
    for i in 1..=n2 {
        let twice_v = if i <= s2 { 2 * i } else { i };
        twice_d += twice_v;
        if twice_d > 2_000_000 {
            twice_d -= 2_000_000;
        }
    }
    let mut e = 0;
    for i in 1..=n3 {
        e = floor_mod(e + if i <= s3 { i } else { i * big }, m3);
    }
    Workload {
        work: vec![
            format!("a := {name}A new"),
            format!("b := {name}B new"),
            "acc := 0".into(),
            format!("1 to: {n} do: [ :i | obj := i <= {s} ifTrue: [ a ] ifFalse: [ b ]. acc := (obj f: acc + i) % {m} ]"),
            "d := 0".into(),
            format!("1 to: {n2} do: [ :i | d := self mix: d with: (i <= {s2} ifTrue: [ i ] ifFalse: [ i // 2 ]) ]"),
            "e := 0".into(),
            format!("1 to: {n3} do: [ :i | e := (e + (i <= {s3} ifTrue: [ i ] ifFalse: [ i * {} ])) % {m3} ]", int_lit(big)),
            "^ acc + (d * 2) asInteger + e".into(),
        ],
        work_locals: vec!["a", "b", "obj", "acc", "d", "e"],
        methods: vec![mix],
        fields: vec![],
        helpers,
        expected: acc + twice_d + e,
        clock: (n * 6 + n2 * 8 + n3 * 5) as u64,
    }
}

fn helper(name: &str, suffix: &str, body: String) -> ClassDef {
    ClassDef {
        name: format!("{name}{suffix}"),
        superclass: None,
        comment: format!("One of the receiver classes {name}'s send site switches between."),
        fields: vec![],
        methods: vec![MethodDef::new("f: x", &[], vec![body])],
    }
}
