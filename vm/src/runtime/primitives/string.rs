//! String and Symbol primitives. Strings are immutable; indices are 1-based and count
//! characters. `=` compares text (a String equals a Symbol with the same characters).

use super::{Entry, Prim, PrimResult};
use crate::object::heap::Body;
use crate::runtime::vm::Vm;
use crate::value::Value;

pub(super) static PRIMITIVES: &[Entry] = &[
    ("String", "concatenate:", concatenate),
    ("String", "asSymbol", as_symbol),
    ("String", "hashcode", hashcode),
    ("String", "length", length),
    ("String", "isWhiteSpace", is_white_space),
    ("String", "isLetters", is_letters),
    ("String", "isDigits", is_digits),
    ("String", "=", equals),
    ("String", "primSubstringFrom:to:", substring),
    ("Symbol", "asString", as_string),
];

/// The text of a String or Symbol, borrowed from the heap.
pub(crate) fn text_ref(vm: &Vm, v: Value) -> Option<&str> {
    if !v.is_ref() {
        return None;
    }
    match &vm.heap.get(v).body {
        Body::String(s) => Some(&s.text),
        Body::Symbol(id) => Some(vm.symbol_text(*id)),
        _ => None,
    }
}

/// The text of a String or Symbol.
pub(crate) fn text(vm: &Vm, v: Value) -> Option<String> {
    text_ref(vm, v).map(str::to_string)
}

fn receiver_text(vm: &Vm, argc: usize) -> String {
    text(vm, vm.arg(argc, 0)).unwrap_or_default()
}

fn concatenate(vm: &mut Vm, argc: usize) -> PrimResult {
    let arg = vm.arg(argc, 1);
    let len = |v| text_ref(vm, v).map_or(0, str::len);
    let bytes = len(vm.arg(argc, 0)) + len(arg);
    vm.reserve_heap(bytes)?;
    let joined = match (text_ref(vm, vm.arg(argc, 0)), text_ref(vm, arg)) {
        (Some(a), Some(b)) => {
            let mut s = String::with_capacity(a.len() + b.len());
            s.push_str(a);
            s.push_str(b);
            s
        }
        _ => {
            return Err(format!(
                "String>>concatenate: expected a String, got {}",
                vm.a_class_name(arg)
            )
            .into())
        }
    };
    let string = vm.core.string;
    let body = Body::String(crate::object::heap::SomString::from_owned(joined));
    Ok(Prim::Value(vm.alloc(string, body)))
}

fn as_symbol(vm: &mut Vm, argc: usize) -> PrimResult {
    let s = receiver_text(vm, argc);
    Ok(Prim::Value(vm.symbol_value(&s)))
}

/// FNV-1a over the bytes, then a 64-bit finalizer so that strings differing in one
/// character land far apart (tables index with `hash % size`); folded to 30 bits.
pub(crate) fn string_hash(s: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    (h >> 34) as i64
}

fn hashcode(vm: &mut Vm, argc: usize) -> PrimResult {
    let h = string_hash(text_ref(vm, vm.arg(argc, 0)).unwrap_or(""));
    Ok(Prim::Value(Value::int(h).expect("small")))
}

pub(crate) fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

fn length(vm: &mut Vm, argc: usize) -> PrimResult {
    let r = vm.arg(argc, 0);
    let n = match &vm.heap.get(r).body {
        Body::String(s) => s.chars as usize,
        Body::Symbol(id) => char_len(vm.symbol_text(*id)),
        _ => 0,
    };
    Ok(Prim::Value(Value::int(n as i64).expect("small")))
}

fn all_chars(vm: &Vm, argc: usize, pred: fn(char) -> bool) -> PrimResult {
    let s = text_ref(vm, vm.arg(argc, 0)).unwrap_or("");
    Ok(Prim::Value(Value::bool(
        !s.is_empty() && s.chars().all(pred),
    )))
}

fn is_white_space(vm: &mut Vm, argc: usize) -> PrimResult {
    all_chars(vm, argc, char::is_whitespace)
}

fn is_letters(vm: &mut Vm, argc: usize) -> PrimResult {
    all_chars(vm, argc, char::is_alphabetic)
}

fn is_digits(vm: &mut Vm, argc: usize) -> PrimResult {
    all_chars(vm, argc, |c| c.is_ascii_digit())
}

fn equals(vm: &mut Vm, argc: usize) -> PrimResult {
    let (a, b) = (vm.arg(argc, 0), vm.arg(argc, 1));
    if a == b {
        return Ok(Prim::Value(Value::TRUE));
    }
    let same = match (text_ref(vm, a), text_ref(vm, b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    };
    Ok(Prim::Value(Value::bool(same)))
}

fn substring(vm: &mut Vm, argc: usize) -> PrimResult {
    let (from, to) = (vm.arg(argc, 1), vm.arg(argc, 2));
    for i in [from, to] {
        if !i.is_int() {
            let what = "String>>primSubstringFrom:to:";
            return Err(super::not_small_int(vm, what, i, "an Integer index").into());
        }
    }
    let (from, to) = (from.as_int(), to.as_int());
    let r = vm.arg(argc, 0);
    let sub = match &vm.heap.get(r).body {
        Body::String(s) => {
            let len = s.chars as i64;
            if to < from {
                String::new()
            } else if from < 1 || to > len {
                let bad = if from < 1 { from } else { to };
                return Err(format!("index {bad} out of bounds for String of length {len}").into());
            } else {
                s.substring(from as usize, to as usize)
            }
        }
        _ => {
            let s = receiver_text(vm, argc);
            let len = char_len(&s) as i64;
            if to < from {
                String::new()
            } else if from < 1 || to > len {
                let bad = if from < 1 { from } else { to };
                return Err(format!("index {bad} out of bounds for String of length {len}").into());
            } else {
                crate::object::heap::SomString::new(&s).substring(from as usize, to as usize)
            }
        }
    };
    Ok(Prim::Value(vm.new_string(&sub)))
}

fn as_string(vm: &mut Vm, argc: usize) -> PrimResult {
    let s = receiver_text(vm, argc);
    Ok(Prim::Value(vm.new_string(&s)))
}
