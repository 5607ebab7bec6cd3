//! Where machine code finds the parts of a heap `Object`: its class, the tag byte of its
//! `Body`, an instance's fields and an array's items (`Slots`: pointer, then length), a
//! context's variables, a block's `BlockData`, and the tag of a boxed Double. Every
//! offset is fixed by a layout the VM chose and measured at compile time: `Object` and
//! `Slots` are `repr(C)`, and `Body` is `repr(u8)` with explicit tags, which makes each
//! variant a `repr(C)` struct of the tag followed by its fields (the primitive
//! representation of enums with fields, RFC 2195), so a variant's payload starts where
//! `Variant<T>` below puts it. Tiers 1 and 2 read object bodies only through these.

use super::heap::{self, Object};
use super::slots::Slots;
use std::mem::offset_of;

/// The layout of a one-field variant of a `repr(u8)` enum: the tag, then the field.
#[repr(C)]
struct Variant<T> {
    tag: u8,
    payload: T,
}

/// Offsets (from the start of an `Object`) and tags machine code reads.
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
    /// A boxed Double's tag (binary operators on it take the number path).
    pub double_tag: u8,
    /// An instance's (or context's) field pointer and field count.
    pub fields_ptr: i32,
    pub fields_len: i32,
    /// An array's item pointer and item count.
    pub items_ptr: i32,
    pub items_len: i32,
}

const BODY_AT: usize = offset_of!(Object, body);
const SLOTS_AT: usize = BODY_AT + offset_of!(Variant<Slots>, payload);

/// The layout of every object body.
pub(crate) const BODY: BodyLayout = BodyLayout {
    tag: BODY_AT as i32,
    instance_tag: heap::INSTANCE_TAG,
    array_tag: heap::ARRAY_TAG,
    context_tag: heap::CONTEXT_TAG,
    block_tag: heap::BLOCK_TAG,
    block_data: (BODY_AT + offset_of!(Variant<Box<u64>>, payload)) as i32,
    double_tag: heap::DOUBLE_TAG,
    fields_ptr: (SLOTS_AT + offset_of!(Slots, ptr)) as i32,
    fields_len: (SLOTS_AT + offset_of!(Slots, len)) as i32,
    items_ptr: (SLOTS_AT + offset_of!(Slots, ptr)) as i32,
    items_len: (SLOTS_AT + offset_of!(Slots, len)) as i32,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::heap::{BlockData, Body};
    use crate::value::Value;

    /// Reads the word at `offset` of `obj`.
    fn word(obj: &Object, offset: i32) -> u64 {
        let base = obj as *const Object as *const u8;
        // SAFETY: the offsets come from `BODY`, inside the object, at 8-aligned
        // initialised words of the variant the test built.
        unsafe { std::ptr::read_unaligned(base.add(offset as usize) as *const u64) }
    }

    fn tag(obj: &Object) -> u8 {
        // SAFETY: the tag byte of a `repr(u8)` enum is initialised.
        unsafe { *(obj as *const Object as *const u8).add(BODY.tag as usize) }
    }

    fn object(body: Body) -> Object {
        Object {
            class: Value::NIL,
            hash: 0,
            body,
        }
    }

    #[test]
    fn instance_array_and_context_slots_are_where_the_layout_says() {
        for (body, expected_tag) in [
            (
                Body::Instance(vec![Value(12), Value(16)].into()),
                BODY.instance_tag,
            ),
            (
                Body::Array(vec![Value(12), Value(16)].into()),
                BODY.array_tag,
            ),
            (
                Body::Context(vec![Value(12), Value(16)].into()),
                BODY.context_tag,
            ),
        ] {
            let obj = object(body);
            assert_eq!(tag(&obj), expected_tag);
            assert_eq!(word(&obj, BODY.fields_len), 2);
            let ptr = word(&obj, BODY.fields_ptr) as *const Value;
            // SAFETY: the pointer read is the slots' own, with two values.
            assert_eq!(unsafe { *ptr.add(1) }, Value(16));
        }
    }

    #[test]
    fn block_data_and_double_tags_are_where_the_layout_says() {
        let data = Box::new(BlockData {
            method: crate::ids::MethodId::new(7),
            outer: Value::NIL,
            receiver: Value::NIL,
            home_frame: 0,
            home_id: 0,
            creator: None,
        });
        let at = &*data as *const BlockData as u64;
        let obj = object(Body::Block(data));
        assert_eq!(tag(&obj), BODY.block_tag);
        assert_eq!(word(&obj, BODY.block_data), at);
        assert_eq!(tag(&object(Body::Double(1.5))), BODY.double_tag);
    }
}
