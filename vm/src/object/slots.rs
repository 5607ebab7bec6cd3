//! `Slots`: the fixed-size run of values behind an instance's fields, an array's items
//! and a context's variables, with a layout the VM chooses (`repr(C)`: the pointer,
//! then the length) so machine code reads it at offsets from `offset_of!`
//! (`object::layout`). It owns its buffer as a boxed slice would; this module is the
//! only `unsafe` behind it.

use crate::value::Value;
use std::ptr::NonNull;

/// An owned, fixed-length buffer of values.
#[repr(C)]
pub(crate) struct Slots {
    /// The first value (dangling when `len` is 0).
    pub(crate) ptr: NonNull<Value>,
    pub(crate) len: usize,
}

impl Slots {
    pub(crate) fn new(values: Box<[Value]>) -> Slots {
        let len = values.len();
        let raw = Box::into_raw(values) as *mut Value;
        // SAFETY: `Box::into_raw` never answers null.
        let ptr = unsafe { NonNull::new_unchecked(raw) };
        Slots { ptr, len }
    }

    /// `n` nils.
    pub(crate) fn nils(n: usize) -> Slots {
        Slots::new(vec![Value::NIL; n].into_boxed_slice())
    }

    pub(crate) fn as_slice(&self) -> &[Value] {
        // SAFETY: `ptr` and `len` come from a live boxed slice this value owns.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [Value] {
        // SAFETY: as in `as_slice`, and `&mut self` makes the access unique.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

// SAFETY: `Slots` owns its buffer exclusively, as the `Box<[Value]>` it was made from
// does, and `Value` is a plain word; sharing or sending it is as safe as the box's.
unsafe impl Send for Slots {}
// SAFETY: as above; `&Slots` gives only shared access to the values.
unsafe impl Sync for Slots {}

impl Drop for Slots {
    fn drop(&mut self) {
        let slice = std::ptr::slice_from_raw_parts_mut(self.ptr.as_ptr(), self.len);
        // SAFETY: the pointer and length are those `Box::into_raw` gave in `new`, and
        // this is the only owner.
        drop(unsafe { Box::from_raw(slice) });
    }
}

impl std::ops::Deref for Slots {
    type Target = [Value];
    fn deref(&self) -> &[Value] {
        self.as_slice()
    }
}

impl std::ops::DerefMut for Slots {
    fn deref_mut(&mut self) -> &mut [Value] {
        self.as_mut_slice()
    }
}

impl Clone for Slots {
    fn clone(&self) -> Slots {
        Slots::new(self.as_slice().into())
    }
}

impl std::fmt::Debug for Slots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_slice().fmt(f)
    }
}

impl From<Vec<Value>> for Slots {
    fn from(v: Vec<Value>) -> Slots {
        Slots::new(v.into_boxed_slice())
    }
}

impl From<Box<[Value]>> for Slots {
    fn from(v: Box<[Value]>) -> Slots {
        Slots::new(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_own_their_values_and_clone_deeply() {
        let mut a = Slots::from(vec![Value(4), Value(8)]);
        let b = a.clone();
        a[0] = Value::NIL;
        assert_eq!(&*a, &[Value::NIL, Value(8)]);
        assert_eq!(&*b, &[Value(4), Value(8)]);
        assert!(Slots::nils(0).is_empty());
    }
}
