//! Where tier-1 code finds the slots of an instance (`Body::Instance`, a boxed slice),
//! an array (`Body::Array`, a vector), a context (`Body::Context`) and a block's data
//! (`Body::Block`) inside a heap `Object`, for the inline field, `at:`/`at:put:`,
//! captured-variable and block-evaluation paths, and the tag of a boxed Double (which
//! binary-operator sends test). `Body` is `repr(u8)`, so its tag byte and the offset of
//! each variant's payload are fixed; the order of the pointer and length words inside
//! a boxed slice and a vector is not, so it is probed once on real values. When a probe
//! does not find them, tier 1 keeps calling the leaf helpers instead.

use crate::object::heap::{BlockData, Body, Object};
use crate::value::Value;
use std::mem::offset_of;
use std::sync::OnceLock;

/// Offsets (from the start of an `Object`) and tags tier-1 code reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BodyLayout {
    /// The tag byte of the body.
    pub tag: i32,
    pub instance_tag: u8,
    pub array_tag: u8,
    /// A context's tag (its slots are laid out as an instance's fields).
    pub context_tag: u8,
    /// A block's tag and where its boxed `BlockData` pointer is.
    pub block_tag: u8,
    pub block_data: i32,
    /// A boxed Double's tag (binary operators on it take tier 0's number path).
    pub double_tag: u8,
    /// An instance's field pointer and field count.
    pub fields_ptr: i32,
    pub fields_len: i32,
    /// An array's item pointer and item count.
    pub items_ptr: i32,
    pub items_len: i32,
}

/// The layout, probed on first use; `None` when the probe failed.
pub(crate) fn body_layout() -> Option<BodyLayout> {
    static LAYOUT: OnceLock<Option<BodyLayout>> = OnceLock::new();
    *LAYOUT.get_or_init(probe)
}

/// The payload of a `repr(u8)` enum starts at the first offset its alignment allows
/// after the tag byte.
const PAYLOAD: usize = 8;

/// Reads the tag and payload word `i` of `body`.
fn words<const N: usize>(body: &Body) -> (u8, [u64; N]) {
    let base = body as *const Body as *const u8;
    let mut out = [0u64; N];
    for (i, w) in out.iter_mut().enumerate() {
        // SAFETY: `Body` is `repr(u8)` and 32 bytes; the payload words read here are
        // the initialised fields of the variant the caller built (a boxed slice: two
        // words, a vector: three), never padding.
        *w = unsafe { std::ptr::read_unaligned(base.add(PAYLOAD + 8 * i) as *const u64) };
    }
    // SAFETY: the tag byte at offset 0 of a `repr(u8)` enum is always initialised.
    (unsafe { *base }, out)
}

/// The index in `w` of `ptr` and of `len` (which must differ from each other).
fn find(w: &[u64], ptr: u64, len: u64) -> Option<(i32, i32)> {
    let p = w.iter().position(|&x| x == ptr)?;
    let l = w.iter().position(|&x| x == len)?;
    (p != l).then_some((p as i32, l as i32))
}

fn probe() -> Option<BodyLayout> {
    if std::mem::size_of::<Body>() < PAYLOAD + 24 || std::mem::align_of::<Body>() != 8 {
        return None;
    }
    let fields: Box<[Value]> = vec![Value::NIL; 3].into_boxed_slice();
    let fields_at = fields.as_ptr() as u64;
    let instance = Body::Instance(fields);
    let (instance_tag, iw) = words::<2>(&instance);
    let (fp, fl) = find(&iw, fields_at, 3)?;
    let mut items: Vec<Value> = Vec::with_capacity(7);
    items.extend([Value::NIL; 3]);
    let items_at = items.as_ptr() as u64;
    let array = Body::Array(items);
    let (array_tag, aw) = words::<3>(&array);
    let (ap, al) = find(&aw, items_at, 3)?;
    let slots: Box<[Value]> = vec![Value::NIL; 3].into_boxed_slice();
    let slots_at = slots.as_ptr() as u64;
    let context = Body::Context(slots);
    let (context_tag, cw) = words::<2>(&context);
    if find(&cw, slots_at, 3)? != (fp, fl) {
        return None;
    }
    let data = Box::new(BlockData {
        method: 0,
        outer: Value::NIL,
        receiver: Value::NIL,
        home_frame: 0,
        home_id: 0,
        creator_frame: 0,
        creator_id: 0,
    });
    let data_at = &*data as *const BlockData as u64;
    let block = Body::Block(data);
    let (block_tag, bw) = words::<1>(&block);
    if bw[0] != data_at {
        return None;
    }
    let (double_tag, _) = words::<1>(&Body::Double(1.5));
    let mut tags = [instance_tag, array_tag, context_tag, block_tag, double_tag];
    tags.sort_unstable();
    if tags.windows(2).any(|w| w[0] == w[1]) {
        return None;
    }
    let body = offset_of!(Object, body) + PAYLOAD;
    let at = |i: i32| (body as i32) + 8 * i;
    Some(BodyLayout {
        tag: offset_of!(Object, body) as i32,
        instance_tag,
        array_tag,
        context_tag,
        block_tag,
        block_data: body as i32,
        double_tag,
        fields_ptr: at(fp),
        fields_len: at(fl),
        items_ptr: at(ap),
        items_len: at(al),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_finds_instance_and_array_slots() {
        let l = body_layout().expect("layout");
        let obj = Object {
            class: Value::NIL,
            marked: false,
            body: Body::Instance(vec![Value(12), Value(16)].into_boxed_slice()),
        };
        let base = &obj as *const Object as *const u8;
        // SAFETY: the offsets come from the probe of this very layout.
        unsafe {
            assert_eq!(*base.add(l.tag as usize), l.instance_tag);
            let len = *(base.add(l.fields_len as usize) as *const usize);
            let ptr = *(base.add(l.fields_ptr as usize) as *const *const Value);
            assert_eq!(len, 2);
            assert_eq!((*ptr.add(1)).0, 16);
        }
        let arr = Object {
            class: Value::NIL,
            marked: false,
            body: Body::Array(vec![Value(4); 5]),
        };
        let base = &arr as *const Object as *const u8;
        // SAFETY: as above.
        unsafe {
            assert_eq!(*base.add(l.tag as usize), l.array_tag);
            assert_eq!(*(base.add(l.items_len as usize) as *const usize), 5);
        }
    }
}
