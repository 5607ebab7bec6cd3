//! Tests of the text form (print and parse round trip, error positions) and of the
//! verifier's rules on hand-written functions.

use crate::parse::{parse_function, parse_functions};
use crate::verify::verify;

/// A function using every instruction and declaration of the text form.
pub(crate) const EVERYTHING: &str = "function %everything(word, word) -> word {
    vo0 = virtual class 0x1000, size 24 {8: v0, 16: 0x3}
    fs0 = state m7 @4 [v0, v1, 0x1]
    fs1 = state m3 @12 [v0, vo0, v2] outer fs0

b0(v0: word, v1: word):
    guard_int v0, fs0
    guard_class v1, class 0x2000 at +0, fs0
    v2 = untag_int v0
    v3 = iconst -5
    v4 = iadd_ovf v2, v3, fs1
    v5 = imul v4, v3
    v6 = icmp.ult v5, v2
    guard_true v6, fs1
    v7 = fconst 1.5
    v8 = int_to_float v4
    v9 = fadd v7, v8
    v10 = fcmp.lt v9, v7
    v11 = box_float v9
    v12 = load.word v1, +8 readonly
    store v1, +16, v12
    v13 = load_elem.int v1, v2, +24
    store_elem v1, v13, +24, v11
    v14 = alloc class 0x1000, size 24
    v15 = call_rt h3(v14, v0) -> word
    call_rt h4(v15)
    v16 = send site12(v1, v15), fs1
    v17 = call_block v16(v0), fs1
    v18 = const.word 0x7
    v19 = select.word v10, v17, v18
    v20 = bconst false
    brif v10, b1(v19), b2()

b1(v21: word) state fs0:
    return v21

b2():
    v22 = tag_int v5
    v23 = icmp.eq v22, v0
    guard_false v23, fs0
    brif v23, b3(), b4()

b3():
    nlreturn v22

b4():
    deopt fs1
}
";

#[test]
fn every_instruction_prints_back_as_it_was_written() {
    let f = parse_function(EVERYTHING).unwrap();
    assert_eq!(f.to_string(), EVERYTHING);
    verify(&f).unwrap();
}

#[test]
fn value_numbers_with_gaps_survive_a_round_trip() {
    let text =
        "function %gap(int) -> int {\nb3(v7: int):\n    v40 = iadd v7, v7\n    return v40\n}\n";
    let f = parse_function(text).unwrap();
    assert_eq!(f.to_string(), text);
}

#[test]
fn several_functions_parse_from_one_text() {
    let text = "function %a() -> int {\nb0():\n    v0 = iconst 1\n    return v0\n}\nfunction %b() -> int {\nb0():\n    v0 = iconst 2\n    return v0\n}\n";
    assert_eq!(parse_functions(text).unwrap().len(), 2);
}

#[test]
fn an_unknown_instruction_is_reported_at_its_line_and_column() {
    let err =
        parse_function("function %f() -> int {\nb0():\n    v0 = frobnicate 3\n}\n").unwrap_err();
    assert_eq!((err.line, err.col), (3, 10));
    assert!(err.msg.contains("frobnicate"), "{err}");
}

#[test]
fn a_use_of_an_undefined_value_is_a_parse_error() {
    let err = parse_function("function %f() -> int {\nb0():\n    return v9\n}\n").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("3:12: v9 is used but never defined"),
        "{err}"
    );
}

#[test]
fn a_value_defined_twice_is_a_parse_error() {
    let err = parse_function(
        "function %f() -> int {\nb0():\n    v0 = iconst 1\n    v0 = iconst 2\n    return v0\n}\n",
    )
    .unwrap_err();
    assert!(err.msg.contains("defined twice"), "{err}");
}

#[test]
fn entry_parameters_must_match_the_signature() {
    let err =
        parse_function("function %f(int) -> int {\nb0(v0: word):\n    return v0\n}\n").unwrap_err();
    assert!(err.msg.contains("signature"), "{err}");
}

fn verify_text(text: &str) -> String {
    let f = parse_function(text).unwrap();
    verify(&f).err().map(|e| e.to_string()).unwrap_or_default()
}

#[test]
fn verifier_rejects_a_use_not_dominated_by_its_definition() {
    let e = verify_text("function %f(bool) -> int {\nb0(v0: bool):\n    brif v0, b1(), b2()\nb1():\n    v1 = iconst 1\n    jump b2()\nb2():\n    return v1\n}\n");
    assert!(e.contains("use of v1 is not dominated"), "{e}");
}

#[test]
fn verifier_rejects_wrong_branch_arity() {
    let e = verify_text("function %f() -> int {\nb0():\n    v0 = iconst 1\n    jump b1()\nb1(v1: int):\n    return v1\n}\n");
    assert!(e.contains("b1 takes 1 arguments, given 0"), "{e}");
}

#[test]
fn verifier_rejects_a_type_mismatch() {
    let e = verify_text("function %f(word) -> int {\nb0(v0: word):\n    v1 = iconst 1\n    v2 = iadd v0, v1\n    return v2\n}\n");
    assert!(e.contains("v0 is word where int is required"), "{e}");
}

#[test]
fn verifier_rejects_a_frame_state_naming_a_later_value() {
    let e = verify_text("function %f(word) -> int {\n    fs0 = state m1 @0 [v1]\n\nb0(v0: word):\n    guard_int v0, fs0\n    v1 = untag_int v0\n    return v1\n}\n");
    assert!(
        e.contains("frame state fs0: use of v1 is not dominated"),
        "{e}"
    );
}

#[test]
fn verifier_rejects_a_looping_outer_chain() {
    let e = verify_text("function %f(word) -> word {\n    fs0 = state m1 @0 [v0] outer fs1\n    fs1 = state m2 @0 [v0] outer fs0\n\nb0(v0: word):\n    guard_int v0, fs0\n    return v0\n}\n");
    assert!(e.contains("loops"), "{e}");
}

#[test]
fn verifier_rejects_a_block_without_terminator() {
    let e = verify_text("function %f() -> int {\nb0():\n    v0 = iconst 1\n}\n");
    assert!(e.contains("does not end with a terminator"), "{e}");
}
