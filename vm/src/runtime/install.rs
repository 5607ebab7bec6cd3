//! Method installation at run time, and the one invalidation every cache and tier
//! depends on.
//!
//! `Class>>methods` answers the class's method table as an Array (made once, so it
//! keeps its identity) whose class is `CoreClasses::method_array`, a subclass of
//! `Array` (named `Array` too) with no methods of its own. Because its class is not the
//! core `Array`, the inline `at:put:` paths of every tier leave it to the real send, and
//! the `Array>>at:put:` primitive calls `install_from_methods_array`: storing a method
//! at index `i` binds the selector of the class's `i`-th method (in definition order)
//! to it, as the SOM VMs that let programs mutate methods do.
//!
//! `Vm::invalidate_lookup(selector)` is **the** invalidation API: it must run whenever
//! the answer of `lookup(class, selector)` may change for some class, and it forgets
//! everything that remembered an old answer:
//!
//! - the global lookup cache (`Vm::lookup_cache`, all of it: it is rebuilt lazily);
//! - every send site of that selector (tier 0 and tier 1 read the same `SendSite`
//!   caches, so emptying them is the invalidation for both: tier-1 code probes the
//!   cache in place and calls the method it finds, it never embeds a lookup result);
//! - the `ifNil:`-family check (`nil_test_cache`) and whether `Array>>at:`/`at:put:` are
//!   still the primitives the inline paths stand for (`array_primitives`; tier-1 code
//!   reads it through `JitCtx::array_class`, refreshed after every runtime call);
//! - tier 2 (when it exists): compiled code that inlined or assumed a target for this
//!   selector must be invalidated here, with deoptimisation of its live activations.
//!   Hook it at the marked place below; nothing else in the VM changes lookup.
//!
//! An invalidated send site starts again from an empty cache, so counters
//! (monomorphic/polymorphic/megamorphic sends) stay the same in every tier.
//!
//! What installation does not reach, in every tier alike: the small-integer (and
//! Double) paths of the operator bytecodes and the control structures the compiler
//! inlines (`ifTrue:`, `whileTrue:`, `to:do:`, `and:`...) keep their built-in meaning,
//! as in other SOM VMs; replacing `Array>>at:` or `at:put:` turns the inline Array paths
//! off (`array_primitives`).

use crate::bytecode::{CacheEntry, MethodKind};
use crate::object::heap::{Body, Layout, MethodId, SymbolId};
use crate::runtime::vm::Vm;
use crate::value::Value;

impl Vm {
    /// Forgets every cached answer of a lookup of `selector` (see the module doc).
    pub(crate) fn invalidate_lookup(&mut self, selector: SymbolId) {
        self.lookup_cache.clear();
        self.nil_test_cache = crate::runtime::vm::NIL_TEST_CACHE_EMPTY;
        for site in self.sites.iter_mut().filter(|s| s.selector == selector) {
            site.cache = [CacheEntry {
                class: Value::NIL,
                method: MethodId::new(0),
            }; 4];
            site.cached = 0;
            site.megamorphic = false;
        }
        self.array_primitives = self.core_array_primitives();
        // Tier 2: invalidate compiled code depending on `selector` here.
    }

    /// Whether `Array>>at:` and `at:put:` are the VM's own primitives (the inline paths
    /// of every tier stand for them only then).
    pub(crate) fn core_array_primitives(&mut self) -> bool {
        ["at:", "at:put:"].iter().all(|sel| {
            let sel = self.intern(sel);
            self.lookup(self.core.array, sel).is_some_and(|m| {
                let m = &self.methods[m.index()];
                m.holder == self.core.array && matches!(m.kind, MethodKind::Primitive(_))
            })
        })
    }

    /// Binds `selector` in `class` to `method` (or unbinds it: `None`) and invalidates.
    pub(crate) fn install_method(
        &mut self,
        class: Value,
        selector: SymbolId,
        method: Option<MethodId>,
    ) {
        let data = self.heap.class_data_mut(class);
        match method {
            Some(m) => data.methods.insert(selector, m),
            None => data.methods.remove(&selector),
        };
        self.invalidate_lookup(selector);
    }

    /// Makes the class of methods arrays (bootstrap, after the core classes exist).
    pub(crate) fn make_method_array_class(&mut self) {
        let array = self.core.array;
        let array_meta = self.heap.get(array).class;
        let meta_data = self.heap.class_data(array_meta).clone();
        let mut data = self.heap.class_data(array).clone();
        let meta = self
            .heap
            .insert(self.core.metaclass, Body::Class(Box::new(meta_data)));
        let meta_body = self.heap.class_data_mut(meta);
        meta_body.superclass = array_meta;
        meta_body.methods.clear();
        meta_body.method_objects.clear();
        meta_body.methods_array = Value::NIL;
        data.superclass = array;
        data.methods.clear();
        data.method_objects.clear();
        data.methods_array = Value::NIL;
        data.layout = Layout::Array;
        self.core.method_array = self.heap.insert(meta, Body::Class(Box::new(data)));
    }

    /// The class whose methods array `array` is (`None`: it is no class's).
    fn methods_array_owner(&self, array: Value) -> Option<Value> {
        let owns =
            |c: Value| self.heap.is_class(c) && self.heap.class_data(c).methods_array == array;
        // The methods it held are the likely owners' (a method's holder); else search
        // the classes bound to globals and their metaclasses.
        let holders = match &self.heap.get(array).body {
            Body::Array(items) => items
                .iter()
                .filter_map(|&v| match v.is_ref().then(|| &self.heap.get(v).body) {
                    Some(Body::Method(m)) => Some(self.methods[m.index()].holder),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let globals = self.globals.iter().flatten().copied();
        holders
            .into_iter()
            .chain(globals.flat_map(|g| {
                [
                    g,
                    if g.is_ref() {
                        self.heap.get(g).class
                    } else {
                        g
                    },
                ]
            }))
            .find(|&c| owns(c))
    }

    /// `methods at: index put: value` on a methods array (`index` 0-based, in range;
    /// the array still holds the old value): binds the selector of the owner's
    /// `index`-th method to `value` when it is a method the owner's instances can run
    /// (its holder is the owner or a superclass, with the selector's argument count);
    /// unbinds it when `value` is not a method.
    pub(crate) fn install_from_methods_array(
        &mut self,
        array: Value,
        index: usize,
        value: Value,
    ) -> Result<(), String> {
        let Some(owner) = self.methods_array_owner(array) else {
            return Ok(());
        };
        let Some(&slot_method) = self.heap.class_data(owner).method_objects.get(index) else {
            return Ok(());
        };
        let Body::Method(old) = self.heap.get(slot_method).body else {
            return Ok(());
        };
        let (selector, argc) = {
            let m = &self.methods[old.index()];
            (m.signature, m.num_args)
        };
        let new = match value.is_ref().then(|| &self.heap.get(value).body) {
            Some(Body::Method(m)) => *m,
            _ => {
                self.install_method(owner, selector, None);
                return Ok(());
            }
        };
        let holder = self.methods[new.index()].holder;
        let mut c = owner;
        while !c.is_nil() && c != holder {
            c = self.heap.class_data(c).superclass;
        }
        if c.is_nil() || self.methods[new.index()].num_args != argc {
            return Err(format!(
                "cannot install {} as #{} of {}: {}",
                self.method_name(new),
                self.symbol_text(selector),
                self.class_name(owner),
                if c.is_nil() {
                    "its holder is not the class or a superclass"
                } else {
                    "its argument count differs"
                }
            ));
        }
        self.install_method(owner, selector, Some(new));
        Ok(())
    }
}
