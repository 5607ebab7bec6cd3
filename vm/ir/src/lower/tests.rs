//! End-to-end tests of the lowering: IR compiled by Cranelift, mapped executable and
//! called, checking results, exit statuses and the deopt buffer against the deopt table.

use super::exec::{ExecCode, Exit};
use super::{Backend, CompiledFunction, DeoptReason, DeoptSlot, ExitStatus, LowerConfig};
use crate::parse::parse_function;
use crate::passes::{optimize, PipelineOptions};
use crate::types::tagging::{tag_int, INT_MAX};
use crate::types::Type;
use std::cell::Cell;

const SEND: u32 = 0;
const ALLOC: u32 = 2;
const BOX_FLOAT: u32 = 3;
const DOUBLE: u32 = 7;

thread_local! {
    /// The context compiled code gets: word 0 is the "invalidated" word the code reads
    /// after a send, word 1 tells the send helper whether to set it.
    static CTX: [Cell<u64>; 4] = const { [Cell::new(0), Cell::new(0), Cell::new(0), Cell::new(0)] };
}

extern "C" fn send_helper(_ctx: *mut u64, site: u64, recv: u64) -> u64 {
    CTX.with(|c| c[0].set(c[1].get()));
    recv + site * 100
}

extern "C" fn double_helper(_ctx: *mut u64, x: u64) -> u64 {
    x * 2
}

extern "C" fn box_float_helper(_ctx: *mut u64, bits: u64) -> u64 {
    bits ^ 0xff
}

extern "C" fn alloc_helper(_ctx: *mut u64, class: u64, size: u64) -> u64 {
    class + size
}

fn helper(id: u32) -> usize {
    match id {
        SEND => send_helper as *const () as usize,
        ALLOC => alloc_helper as *const () as usize,
        BOX_FLOAT => box_float_helper as *const () as usize,
        DOUBLE => double_helper as *const () as usize,
        _ => panic!("no test helper {id}"),
    }
}

fn compile(text: &str) -> CompiledFunction {
    let f = parse_function(text).unwrap();
    let cfg = LowerConfig {
        verify: true,
        keep_clif: true,
        invalidated_offset: 0,
        ..LowerConfig::default()
    };
    Backend::new(cfg).unwrap().compile(&f).unwrap()
}

fn run(code: &ExecCode, invalidate: bool, buf: &mut [u64], args: &[u64]) -> Exit {
    let ctx = CTX.with(|c| {
        c[0].set(0);
        c[1].set(invalidate as u64);
        c.as_ptr() as *mut u8
    });
    code.call(ctx, buf, args)
}

const ADD: &str = "function %add(word, word) -> word {
    fs0 = state m1 @0 [v0, v1]
    fs1 = state m1 @3 [v0, v1, 0x3]

b0(v0: word, v1: word):
    guard_int v0, fs0
    guard_int v1, fs0
    v2 = untag_int v0
    v3 = untag_int v1
    v4 = iadd_ovf v2, v3, fs1
    v5 = tag_int v4
    return v5
}
";

#[test]
fn small_integer_addition_runs_in_compiled_code() {
    let c = compile(ADD);
    let code = ExecCode::new(&c, helper);
    let mut buf = [0u64; 8];
    let exit = run(&code, false, &mut buf, &[tag_int(3), tag_int(4)]);
    assert_eq!(
        exit,
        Exit {
            value: tag_int(7),
            status: ExitStatus::RETURN
        }
    );
    let exit = run(&code, false, &mut buf, &[tag_int(-30), tag_int(4)]);
    assert_eq!(exit.value, tag_int(-26));
}

#[test]
fn overflow_leaves_through_the_deopt_exit_with_the_frame_state_values() {
    let c = compile(ADD);
    let code = ExecCode::new(&c, helper);
    let mut buf = [0u64; 8];
    let exit = run(&code, false, &mut buf, &[tag_int(INT_MAX), tag_int(1)]);
    let ExitStatus::Deopt(id) = ExitStatus::decode(exit.status) else {
        panic!("{exit:?}")
    };
    let d = &c.deopts[id as usize];
    assert_eq!(d.reason, DeoptReason::Overflow);
    assert_eq!((d.frames[0].method, d.frames[0].bci), (1, 3));
    assert_eq!(
        d.frames[0].slots,
        vec![
            DeoptSlot::Buffer(0),
            DeoptSlot::Buffer(1),
            DeoptSlot::Const(3)
        ]
    );
    assert_eq!(&buf[..2], &[tag_int(INT_MAX), tag_int(1)]);
}

#[test]
fn a_failing_tag_guard_deopts_before_any_arithmetic() {
    let c = compile(ADD);
    let code = ExecCode::new(&c, helper);
    let mut buf = [0u64; 8];
    let exit = run(&code, false, &mut buf, &[0x1000, tag_int(1)]);
    let ExitStatus::Deopt(id) = ExitStatus::decode(exit.status) else {
        panic!("{exit:?}")
    };
    assert_eq!(c.deopts[id as usize].reason, DeoptReason::NotInt);
    assert_eq!((c.deopts[id as usize].frames[0].bci, buf[0]), (0, 0x1000));
}

const SUM: &str = "function %sum(word) -> word {
    fs0 = state m2 @0 [v0]
    fs1 = state m2 @5 [v0, v11, v10]

b0(v0: word):
    guard_int v0, fs0
    v1 = untag_int v0
    v2 = iconst 1
    v3 = iconst 0
    jump b1(v2, v3)

b1(v10: int, v11: int) state fs1:
    v12 = icmp.le v10, v1
    brif v12, b2(), b3()

b2():
    v13 = imul_ovf v10, v10, fs1
    v14 = iadd_ovf v11, v13, fs1
    v15 = iconst 1
    v16 = iadd v10, v15
    jump b1(v16, v14)

b3():
    v17 = tag_int v11
    return v17
}
";

#[test]
fn an_optimised_loop_computes_a_sum_of_squares_and_deopts_on_overflow_inside_it() {
    let mut f = parse_function(SUM).unwrap();
    optimize(
        &mut f,
        PipelineOptions {
            verify: true,
            print: false,
        },
    )
    .unwrap();
    let cfg = LowerConfig {
        verify: true,
        ..LowerConfig::default()
    };
    let c = Backend::new(cfg).unwrap().compile(&f).unwrap();
    let code = ExecCode::new(&c, helper);
    let mut buf = [0u64; 8];
    let exit = run(&code, false, &mut buf, &[tag_int(10)]);
    assert_eq!(
        exit,
        Exit {
            value: tag_int(385),
            status: 0
        }
    );
    let exit = run(&code, false, &mut buf, &[tag_int(3_000_000_000)]);
    let ExitStatus::Deopt(id) = ExitStatus::decode(exit.status) else {
        panic!("{exit:?}")
    };
    let d = &c.deopts[id as usize];
    assert_eq!((d.reason, d.frames[0].bci), (DeoptReason::Overflow, 5));
    let DeoptSlot::Buffer(i) = d.frames[0].slots[2] else {
        panic!()
    };
    let i_at_exit = buf[i as usize] as i64;
    assert_eq!(d.buffer_types[i as usize], Type::Int);
    assert!(
        i_at_exit > 1_000_000 && i_at_exit < 3_000_000_000,
        "{i_at_exit}"
    );
}

#[test]
fn runtime_helpers_are_called_through_relocations() {
    let c = compile("function %h(int) -> int {\nb0(v0: int):\n    v1 = call_rt h7(v0) -> int\n    v2 = alloc class 0x100, size 16\n    v3 = untag_int v2\n    v4 = iadd v1, v3\n    return v4\n}\n");
    assert!(c.relocs.iter().any(|r| r.helper == DOUBLE));
    let code = ExecCode::new(&c, helper);
    let exit = run(&code, false, &mut [0; 4], &[21]);
    assert_eq!(exit.value, 42 + ((0x100 + 16) >> 1));
}

const SEND_IR: &str = "function %s(word) -> word {
    fs0 = state m3 @7 [v0, v0]

b0(v0: word):
    v1 = send site2(v0), fs0
    return v1
}
";

#[test]
fn a_send_returns_its_result_or_deopts_with_it_when_the_code_was_invalidated() {
    let c = compile(SEND_IR);
    let code = ExecCode::new(&c, helper);
    let mut buf = [0u64; 4];
    assert_eq!(run(&code, false, &mut buf, &[5]).value, 205);
    let exit = run(&code, true, &mut buf, &[5]);
    let ExitStatus::Deopt(id) = ExitStatus::decode(exit.status) else {
        panic!("{exit:?}")
    };
    let d = &c.deopts[id as usize];
    assert_eq!(d.reason, DeoptReason::AfterCall);
    assert_eq!(buf[d.call_result.unwrap() as usize], 205);
    assert_eq!(
        d.frames[0].slots,
        vec![DeoptSlot::Buffer(0), DeoptSlot::Buffer(0)]
    );
}

#[test]
fn a_class_guard_checks_the_class_word_at_its_offset() {
    let c = compile("function %c(word) -> word {\n    fs0 = state m1 @0 [v0]\n\nb0(v0: word):\n    guard_class v0, class 0x4440 at +8, fs0\n    v1 = load.word v0, +16\n    return v1\n}\n");
    let code = ExecCode::new(&c, helper);
    let obj = [0u64, 0x4440, 77];
    let other = [0u64, 0x5550, 77];
    let mut buf = [0u64; 4];
    assert_eq!(
        run(&code, false, &mut buf, &[obj.as_ptr() as u64]).value,
        77
    );
    let exit = run(&code, false, &mut buf, &[other.as_ptr() as u64]);
    assert!(matches!(
        ExitStatus::decode(exit.status),
        ExitStatus::Deopt(_)
    ));
    let exit = run(&code, false, &mut buf, &[tag_int(1)]);
    assert!(
        matches!(ExitStatus::decode(exit.status), ExitStatus::Deopt(_)),
        "an int is not an object"
    );
}

#[test]
fn doubles_compute_unboxed_and_box_through_the_helper() {
    let c = compile("function %d(int) -> word {\nb0(v0: int):\n    v1 = int_to_float v0\n    v2 = fconst 0.5\n    v3 = fmul v1, v2\n    v4 = box_float v3\n    return v4\n}\n");
    let code = ExecCode::new(&c, helper);
    assert_eq!(
        run(&code, false, &mut [0; 4], &[7]).value,
        3.5f64.to_bits() ^ 0xff
    );
}

#[test]
fn a_non_local_return_reports_its_status() {
    let c = compile("function %n(word) -> word {\nb0(v0: word):\n    nlreturn v0\n}\n");
    let code = ExecCode::new(&c, helper);
    assert_eq!(
        run(&code, false, &mut [0; 4], &[9]),
        Exit {
            value: 9,
            status: ExitStatus::NON_LOCAL_RETURN
        }
    );
}

#[test]
fn a_scalar_replaced_object_is_described_as_a_virtual_in_the_deopt_table() {
    let mut f = parse_function("function %v(word) -> word {\n    fs0 = state m4 @2 [v1]\n\nb0(v0: word):\n    v1 = alloc class 0x300, size 16\n    store v1, +8, v0\n    guard_int v0, fs0\n    v2 = load.word v1, +8\n    return v2\n}\n").unwrap();
    optimize(
        &mut f,
        PipelineOptions {
            verify: true,
            print: false,
        },
    )
    .unwrap();
    let c = Backend::new(LowerConfig {
        verify: true,
        ..LowerConfig::default()
    })
    .unwrap()
    .compile(&f)
    .unwrap();
    assert!(
        c.relocs.iter().all(|r| r.helper != ALLOC),
        "the allocation is gone"
    );
    let code = ExecCode::new(&c, helper);
    let mut buf = [0u64; 4];
    assert_eq!(run(&code, false, &mut buf, &[tag_int(5)]).value, tag_int(5));
    let exit = run(&code, false, &mut buf, &[0x2000]);
    let ExitStatus::Deopt(id) = ExitStatus::decode(exit.status) else {
        panic!("{exit:?}")
    };
    let d = &c.deopts[id as usize];
    assert_eq!(d.frames[0].slots, vec![DeoptSlot::Virtual(0)]);
    assert_eq!(d.virtuals[0].fields, vec![(8, DeoptSlot::Buffer(0))]);
    assert_eq!(buf[0], 0x2000);
}
