//! Sends every tier may answer without sending: `at:`/`at:put:` on core Arrays (while
//! their primitives are the standard ones) and the check behind the inlined `ifNil:`
//! family. Each answers `None`/`false` when the real send must run instead.

use crate::bytecode::NilTestMode;
use crate::object::heap::Body;
use crate::runtime::vm::Vm;
use crate::value::Value;

impl Vm {
    /// `array at: index` inline, when the receiver is a core Array whose `at:` is the
    /// primitive and the index is in range (anything else takes the real send).
    #[inline(always)]
    pub(crate) fn array_at(&self, array: Value, index: Value) -> Option<Value> {
        if !self.array_primitives || !array.is_ref() || !index.is_int() {
            return None;
        }
        let obj = self.heap.get(array);
        match &obj.body {
            Body::Array(items) if obj.class == self.core.array => {
                let i = index.as_int().wrapping_sub(1);
                items.get(usize::try_from(i).ok()?).copied()
            }
            _ => None,
        }
    }

    /// `array at: index put: value` inline; answers whether it was done.
    #[inline(always)]
    pub(crate) fn array_at_put(&mut self, array: Value, index: Value, value: Value) -> bool {
        if !self.array_primitives || !array.is_ref() || !index.is_int() {
            return false;
        }
        let array_class = self.core.array;
        let obj = self.heap.get_mut(array);
        if obj.class != array_class {
            return false;
        }
        match &mut obj.body {
            Body::Array(items) => {
                let Ok(i) = usize::try_from(index.as_int().wrapping_sub(1)) else {
                    return false;
                };
                match items.get_mut(i) {
                    Some(slot) => {
                        *slot = value;
                        true
                    }
                    None => false,
                }
            }
            _ => false,
        }
    }

    /// Whether `v` answers the `ifNil:`-family message of `mode` with the standard
    /// method (Nil's for nil, Object's for anything else), so inlining it is exact.
    pub(crate) fn nil_test_is_standard(&mut self, v: Value, mode: NilTestMode) -> bool {
        let class = self.class_of(v);
        let entry = &mut self.nil_test_cache[mode as usize][v.is_nil() as usize];
        if entry.0 == class {
            return entry.1;
        }
        let selector = self.nil_test_selectors[mode as usize];
        let holder = if v.is_nil() {
            self.core.nil
        } else {
            self.core.object
        };
        let standard = self
            .lookup(class, selector)
            .is_some_and(|m| self.methods[m.index()].holder == holder);
        self.nil_test_cache[mode as usize][v.is_nil() as usize] = (class, standard);
        standard
    }
}
