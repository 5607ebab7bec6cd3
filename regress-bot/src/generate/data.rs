//! Generated workloads about data: allocation of linked nodes and arrays (GC pressure),
//! closures with captured variables and non-local returns, array reads/writes/sorting, and
//! strings, symbols and dictionaries.

use super::{floor_mod, Workload};
use crate::prng::Prng;
use crate::program::{ClassDef, MethodDef};

pub fn allocation(rng: &mut Prng, name: &str) -> Workload {
    let (rounds, len) = (rng.range(5, 40) as i128, rng.range(50, 400) as i128);
    let (a, m, m2) = (
        rng.range(2, 999) as i128,
        rng.range(100, 10_000) as i128,
        rng.range(10_000, 1_000_000) as i128,
    );
    let junk = rng.range(1, 16);
    let node = ClassDef {
        name: format!("{name}Node"),
        superclass: None,
        comment: format!("A list cell allocated by {name}."),
        fields: vec!["value".into(), "next".into()],
        methods: vec![
            MethodDef::new("value", &[], vec!["^ value".into()]),
            MethodDef::new("next", &[], vec!["^ next".into()]),
            MethodDef::new(
                "value: v next: n",
                &[],
                vec!["value := v".into(), "next := n".into()],
            ),
        ],
    };
    let total = MethodDef::new(
        "total: list",
        &["node", "t"],
        vec![
            "node := list".into(),
            "t := 0".into(),
            "[ node notNil ] whileTrue: [ t := t + node value. node := node next ]".into(),
            "^ t".into(),
        ],
    );
    let mut sum = 0;
    for r in 1..=rounds {
        let t: i128 = (1..=len).map(|i| floor_mod(i * a + r, m)).sum();
        sum = floor_mod(sum + t, m2);
    }
    Workload {
        work: vec![
            "sum := 0".into(),
            format!("1 to: {rounds} do: [ :r | list := nil. 1 to: {len} do: [ :i | list := {name}Node new value: (i * {a} + r) % {m} next: list. junk := Array new: {junk} ]. sum := (sum + (self total: list)) % {m2} ]"),
            "^ sum".into(),
        ],
        work_locals: vec!["sum", "list", "junk"],
        methods: vec![total],
        fields: vec![],
        helpers: vec![node],
        expected: sum,
        clock: (rounds * len) as u64 * 14,
    }
}

pub fn closures(rng: &mut Prng, _name: &str) -> Workload {
    let (n, k) = (rng.range(100, 1000) as i128, rng.range(3, 30) as i128);
    let (a, p, m) = (
        rng.range(1, 99) as i128,
        rng.range(2, 40) as i128,
        rng.range(100, 100_000) as i128,
    );
    let methods = vec![
        MethodDef::new(
            "find: i",
            &[],
            vec![
                format!("self each: {k} do: [ :j | (j * {a} + i) % {p} = 0 ifTrue: [ ^ j ] ]"),
                "^ 0".into(),
            ],
        ),
        MethodDef::new(
            "each: n do: blk",
            &[],
            vec!["1 to: n do: [ :j | blk value: j ]".into()],
        ),
    ];
    let find = |i: i128| (1..=k).find(|j| floor_mod(j * a + i, p) == 0).unwrap_or(0);
    let inc = |x: i128| floor_mod(x * 3, m) + 1;
    let (mut counter, mut found, mut acc) = (0, 0, 0);
    for i in 1..=n {
        counter += floor_mod(i, k);
        found += find(i);
        acc = inc(inc(acc));
    }
    Workload {
        work: vec![
            "counter := 0".into(),
            "found := 0".into(),
            "acc := 0".into(),
            "adder := [ :x | counter := counter + x ]".into(),
            format!("inc := [ :x | x * 3 % {m} + 1 ]"),
            "twice := [ :f :x | f value: (f value: x) ]".into(),
            format!("1 to: {n} do: [ :i | adder value: i % {k}. found := found + (self find: i). acc := twice value: inc with: acc ]"),
            "^ counter + found + acc".into(),
        ],
        work_locals: vec!["counter", "found", "acc", "adder", "inc", "twice"],
        methods,
        fields: vec![],
        helpers: vec![],
        expected: counter + found + acc,
        clock: n as u64 * (12 + 5 * k as u64),
    }
}

pub fn arrays(rng: &mut Prng, _name: &str) -> Workload {
    let size = rng.range(30, 120) as i128;
    let (a, b, m, m2) = (
        rng.range(2, 9999) as i128,
        rng.range(0, 999) as i128,
        rng.range(100, 100_000) as i128,
        rng.range(100_000, 10_000_000) as i128,
    );
    let sort = MethodDef::new(
        "sort: arr",
        &["v", "j"],
        vec!["2 to: arr length do: [ :i | v := arr at: i. j := i - 1. [ j > 0 and: [ (arr at: j) > v ] ] whileTrue: [ arr at: j + 1 put: (arr at: j). j := j - 1 ]. arr at: j + 1 put: v ]".into()],
    );
    let mut arr: Vec<i128> = (1..=size).map(|i| floor_mod(i * a + b, m)).collect();
    arr.sort();
    arr.reverse();
    let sum = (1..=size).fold(0, |s, i| floor_mod(s + arr[i as usize - 1] * i, m2));
    Workload {
        work: vec![
            format!("arr := Array new: {size}"),
            format!("1 to: {size} do: [ :i | arr at: i put: (i * {a} + {b}) % {m} ]"),
            "self sort: arr".into(),
            format!("1 to: {} do: [ :i | t := arr at: i. arr at: i put: (arr at: {size} + 1 - i). arr at: {size} + 1 - i put: t ]", size / 2),
            "sum := 0".into(),
            format!("1 to: {size} do: [ :i | sum := (sum + ((arr at: i) * i)) % {m2} ]"),
            format!("^ sum + (arr at: 1) + (arr at: {size})"),
        ],
        work_locals: vec!["arr", "t", "sum"],
        methods: vec![sort],
        fields: vec![],
        helpers: vec![],
        expected: sum + arr[0] + arr[size as usize - 1],
        clock: (size * size) as u64 * 3 + size as u64 * 20,
    }
}

pub fn strings_dicts(rng: &mut Prng, _name: &str) -> Workload {
    let k = rng.range(5, 60) as i128;
    let n = k + rng.range(0, 500) as i128;
    let (a, m, len) = (
        rng.range(2, 999) as i128,
        rng.range(100, 100_000) as i128,
        rng.range(20, 200) as i128,
    );
    let mut last = vec![0i128; k as usize];
    for i in 1..=n {
        last[floor_mod(i, k) as usize] = floor_mod(i * a, m);
    }
    let total: i128 = last.iter().sum();
    let mut chars = 0i128;
    let mut length = 0i128;
    for i in 1..=len {
        chars += i.to_string().len() as i128;
        length += chars;
    }
    Workload {
        work: vec![
            "d := Dictionary new".into(),
            format!("1 to: {n} do: [ :i | d at: 'k' + (i % {k}) asString put: i * {a} % {m} ]"),
            "total := 0".into(),
            format!(
                "0 to: {} do: [ :j | total := total + (d at: 'k' + j asString) ]",
                k - 1
            ),
            "s := ''".into(),
            "len := 0".into(),
            format!("1 to: {len} do: [ :i | s := s + i asString. len := len + s length ]"),
            "('k' + 1 asString) asSymbol == #k1 ifTrue: [ total := total + 7 ]".into(),
            "^ total + len".into(),
        ],
        work_locals: vec!["d", "total", "s", "len"],
        methods: vec![],
        fields: vec![],
        helpers: vec![],
        expected: total + length + 7,
        clock: n as u64 * 40 + k as u64 * 40 + len as u64 * 5,
    }
}
