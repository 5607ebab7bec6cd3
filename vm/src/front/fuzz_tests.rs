//! Robustness tests: thousands of random and mutated class texts go through the parser
//! and the compiler (on a booted VM); each must answer a class or a syntax error with a
//! position, never panic.

use crate::runtime::error::LoadError;
use crate::runtime::vm::{Options, Vm};
use proptest::prelude::*;

/// Valid class texts to mutate: the embedded core library and a few programs.
fn seeds() -> Vec<String> {
    let mut v: Vec<String> = crate::runtime::loader::CORE_LIB
        .iter()
        .map(|(_, s)| s.to_string())
        .collect();
    v.push(include_str!("../../../examples/Fibonacci.som").to_string());
    v.push(include_str!("../../tests/bytecode/Inlining.som").to_string());
    v.push(include_str!("../../tests/bytecode/Closures.som").to_string());
    v
}

fn check(vm: &mut Vm, source: &str) {
    match vm.define_class_from_source(source, "fuzz.som") {
        Ok(_) => {}
        Err(LoadError::Syntax { line, col, .. }) => {
            assert!(
                line >= 1 && col >= 1,
                "error without a position for {source:?}"
            )
        }
        Err(LoadError::Other(_)) => {}
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, char),
    Delete(usize),
    Replace(usize, char),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let chars = prop::sample::select(
        "()[]|^:.#'\"-+=<>*/\\~&,@% \n\tabcxyzAB019$_e"
            .chars()
            .collect::<Vec<_>>(),
    );
    prop_oneof![
        (any::<usize>(), chars.clone()).prop_map(|(i, c)| Mutation::Insert(i, c)),
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), chars).prop_map(|(i, c)| Mutation::Replace(i, c)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(source: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = source.chars().collect();
    for m in mutations {
        let n = chars.len().max(1);
        match *m {
            Mutation::Insert(i, c) => chars.insert(i % (chars.len() + 1), c),
            Mutation::Delete(i) if !chars.is_empty() => {
                chars.remove(i % n);
            }
            Mutation::Replace(i, c) if !chars.is_empty() => chars[i % n] = c,
            Mutation::Truncate(i) => chars.truncate(i % (chars.len() + 1)),
            _ => {}
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn mutated_classes_parse_and_compile_or_fail_cleanly(
        seed in 0usize..64,
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let seeds = seeds();
        let source = apply(&seeds[seed % seeds.len()], &mutations);
        let mut vm = Vm::boot(Options::default()).expect("boot");
        check(&mut vm, &source);
    }

    #[test]
    fn random_text_parses_or_fails_cleanly(source in "[ -~\n]{0,200}") {
        let _ = crate::front::parser::parse_class(&source);
    }
}

#[test]
fn deep_nesting_is_a_syntax_error_not_a_crash() {
    let mut vm = Vm::boot(Options::default()).expect("boot");
    let deep = format!(
        "Deep = ( run = ( ^ {}1{} ) )",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    match vm.define_class_from_source(&deep, "deep.som") {
        Err(LoadError::Syntax { message, .. }) => assert!(message.contains("nesting")),
        other => panic!("expected a nesting error, got {other:?}"),
    }
    let blocks = format!(
        "Deep = ( run = ( ^ {}1{} ) )",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    assert!(vm.define_class_from_source(&blocks, "deep.som").is_err());
}
