//! Message sending: inline-cache probe and update, method lookup with the global lookup
//! cache, frame push for bytecode methods and blocks, primitive calls,
//! `doesNotUnderstand:arguments:`, unbound globals and the fallbacks of inlined sends.

use crate::bytecode::{CacheEntry, Code, FallbackKind, MethodKind, Trivial};
use crate::front::compiler::NO_FALLBACK;
use crate::ids::SendSiteId;
use crate::object::heap::{BlockData, Body, MethodId, SymbolId};
use crate::runtime::error::Unwind;
use crate::runtime::primitives::{Prim, PrimFn};
use crate::runtime::vm::{Frame, Vm, MAX_FRAMES, STACK_SLOTS};
use crate::tier0::Flow;
use crate::value::Value;

impl Vm {
    /// Looks a selector up along the superclass chain (through the lookup cache).
    pub(crate) fn lookup(&mut self, class: Value, selector: SymbolId) -> Option<MethodId> {
        if let Some(&m) = self.lookup_cache.get(&(class, selector)) {
            return m;
        }
        let mut c = class;
        let mut found = None;
        while !c.is_nil() {
            let data = self.heap.class_data(c);
            if let Some(&m) = data.methods.get(&selector) {
                found = Some(m);
                break;
            }
            c = data.superclass;
        }
        self.lookup_cache.insert((class, selector), found);
        found
    }

    /// The common case of a send, inlined into the dispatch loop: the site is not
    /// megamorphic and the receiver's class is one of its inline-cache entries, so the
    /// target runs at once (a bytecode method's frame is pushed, a trivial method or a
    /// primitive answers in place). Everything else goes through `send`, which counts
    /// the send the same way (by the cache's state before the send).
    #[inline(always)]
    pub(crate) fn send_fast(&mut self, site_idx: SendSiteId) -> Result<Flow, Unwind> {
        let site = &self.sites[site_idx.index()];
        let argc = site.argc as usize;
        if !site.megamorphic && !self.oom {
            let recv = self.stack[self.stack.len() - 1 - argc];
            let class = self.class_of(recv);
            // Entries past the cached count hold nil, which is no class, so all four
            // are compared without reading the count (as tier 1 does).
            let c = &site.cache;
            let hit = if c[0].class == class {
                Some(c[0].method)
            } else if c[1].class == class {
                Some(c[1].method)
            } else if c[2].class == class {
                Some(c[2].method)
            } else if c[3].class == class {
                Some(c[3].method)
            } else {
                None
            };
            if let Some(method) = hit {
                if site.cached > 1 {
                    self.stats.sends_polymorphic += 1;
                } else {
                    self.stats.sends_monomorphic += 1;
                }
                return self.run_cached(method, recv, argc);
            }
        }
        self.send(site_idx)
    }

    /// Runs the inline cache's target `method` on `recv` and `argc` arguments.
    #[inline(always)]
    fn run_cached(&mut self, method: MethodId, recv: Value, argc: usize) -> Result<Flow, Unwind> {
        match self.methods[method.index()].kind {
            MethodKind::Bytecode(_) => {
                self.push_frame(method, argc)?;
                Ok(Flow::Switch)
            }
            MethodKind::Trivial(t, _) => self.run_trivial(method, t, argc),
            MethodKind::Primitive(f) => self.call_primitive(method, f, argc),
            MethodKind::BlockValue => {
                if let Body::Block(b) = &self.heap.get(recv).body {
                    let target = b.method;
                    if self.methods[target.index()].num_args as usize == argc {
                        self.push_frame(target, argc)?;
                        return Ok(Flow::Switch);
                    }
                }
                self.invoke(method, argc)
            }
            _ => self.invoke(method, argc),
        }
    }

    /// Runs a trivial method (no frame): getter, setter, constant or `^ self`.
    #[inline(always)]
    fn run_trivial(&mut self, method: MethodId, t: Trivial, argc: usize) -> Result<Flow, Unwind> {
        if self.trivial_frames {
            return self.run_trivial_framed(method, argc);
        }
        self.count_invocation(method);
        let n = self.stack.len() - argc - 1;
        let recv = self.stack[n];
        let arg = if argc > 0 {
            self.stack[n + 1]
        } else {
            Value::NIL
        };
        let result = match self.trivial_answer(t, recv, arg) {
            Some(v) => v,
            None => return Err(self.field_error_of(t, recv)),
        };
        if let (Trivial::Setter(i), true) = (t, self.writes.is_some()) {
            self.log_object_write(recv, i as usize);
        }
        self.stack.truncate(n);
        self.stack.push(result);
        Ok(Flow::Continue)
    }

    /// A trivial method run as the bytecode method it was compiled from (monitored runs
    /// for a debugger, `Vm::trivial_frames`): same result, invocation count and clock,
    /// plus a frame and its statement boundaries.
    #[cold]
    #[inline(never)]
    fn run_trivial_framed(&mut self, method: MethodId, argc: usize) -> Result<Flow, Unwind> {
        self.push_frame(method, argc)?;
        Ok(Flow::Switch)
    }

    /// `Method::invocations` of `method` advances (a frame pushed, a trivial method
    /// run, a `restart`): the counter every tier advances the same way.
    #[inline(always)]
    pub(crate) fn count_invocation(&mut self, method: MethodId) {
        let m = &self.methods[method.index()];
        m.invocations.set(m.invocations.get().wrapping_add(1));
    }

    /// The send at `site`: `[recv args..]` are on the stack.
    pub(crate) fn send(&mut self, site_idx: SendSiteId) -> Result<Flow, Unwind> {
        if self.oom {
            return Err(self.out_of_memory());
        }
        let site = &self.sites[site_idx.index()];
        let argc = site.argc as usize;
        let recv = self.stack[self.stack.len() - 1 - argc];
        let class = if site.lookup_class.is_nil() {
            self.class_of(recv)
        } else {
            site.lookup_class
        };
        let mut target = None;
        for i in 0..site.cached as usize {
            if site.cache[i].class == class {
                target = Some(site.cache[i].method);
                break;
            }
        }
        let (cached, mega, selector) = (site.cached, site.megamorphic, site.selector);
        if mega {
            self.stats.sends_megamorphic += 1;
        } else if cached > 1 {
            self.stats.sends_polymorphic += 1;
        } else {
            self.stats.sends_monomorphic += 1;
        }
        let method = match target {
            Some(m) => m,
            None => match self.lookup(class, selector) {
                Some(m) => {
                    let site = &mut self.sites[site_idx.index()];
                    if (site.cached as usize) < site.cache.len() {
                        site.cache[site.cached as usize] = CacheEntry { class, method: m };
                        site.cached += 1;
                    } else {
                        site.megamorphic = true;
                    }
                    m
                }
                None => return self.does_not_understand(selector, argc, class),
            },
        };
        self.invoke(method, argc)
    }

    /// A send with no send site (fallbacks, `escapedBlock:`, `unknownGlobal:`).
    pub(crate) fn send_selector(
        &mut self,
        selector: SymbolId,
        argc: usize,
    ) -> Result<Flow, Unwind> {
        let recv = self.stack[self.stack.len() - 1 - argc];
        let class = self.class_of(recv);
        match self.lookup(class, selector) {
            Some(m) => self.invoke(m, argc),
            None => self.does_not_understand(selector, argc, class),
        }
    }

    /// Runs `method` on the receiver and arguments on top of the stack.
    pub(crate) fn invoke(&mut self, method: MethodId, argc: usize) -> Result<Flow, Unwind> {
        match &self.methods[method.index()].kind {
            MethodKind::Bytecode(_) => {
                self.push_frame(method, argc)?;
                Ok(Flow::Switch)
            }
            MethodKind::Trivial(t, _) => {
                let t = *t;
                self.run_trivial(method, t, argc)
            }
            MethodKind::Primitive(f) => {
                let f = *f;
                self.call_primitive(method, f, argc)
            }
            MethodKind::BlockValue => {
                let block = self.stack[self.stack.len() - 1 - argc];
                let target = match &self.heap.get(block).body {
                    Body::Block(b) => b.method,
                    _ => {
                        let e = "value sent to something that is not a block".into();
                        return Err(self.primitive_error(method, e));
                    }
                };
                let want = self.methods[target.index()].num_args as usize;
                if want != argc {
                    let e = format!("a block with {want} arguments was given {argc}").into();
                    return Err(self.primitive_error(method, e));
                }
                self.push_frame(target, argc)?;
                Ok(Flow::Switch)
            }
            MethodKind::MissingPrimitive => {
                let name = self.method_name(method);
                Err(self.primitive_error(method, format!("no primitive {name}").into()))
            }
        }
    }

    /// Runs primitive `f` (the code of `method`) on the receiver and arguments on top of
    /// the stack and puts its result in their place.
    #[inline(always)]
    pub(crate) fn call_primitive(
        &mut self,
        method: MethodId,
        f: PrimFn,
        argc: usize,
    ) -> Result<Flow, Unwind> {
        let r = f(self, argc);
        self.primitive_outcome(method, r, argc)
    }

    #[inline(always)]
    pub(crate) fn primitive_outcome(
        &mut self,
        method: MethodId,
        r: crate::runtime::primitives::PrimResult,
        argc: usize,
    ) -> Result<Flow, Unwind> {
        match r {
            Ok(Prim::Value(v)) => {
                self.drop_values(argc + 1);
                self.push(v);
                Ok(Flow::Continue)
            }
            Ok(Prim::Invoke(m, argc)) => self.invoke(m, argc),
            Ok(Prim::Send(sel, argc)) => self.send_selector(sel, argc),
            Ok(Prim::Restart) => {
                self.restart_caller(argc);
                Ok(Flow::Switch)
            }
            Err(e) => Err(self.primitive_error(method, e)),
        }
    }

    /// Pushes an activation of a bytecode method (or block) whose receiver and arguments
    /// are on top of the stack.
    #[inline(always)]
    pub(crate) fn push_frame(&mut self, method: MethodId, argc: usize) -> Result<(), Unwind> {
        let shape = self.methods[method.index()].shape;
        // The slack beyond `max_growth` is for primitives and fallbacks, which push
        // with checks; `stack.rs` relies on `max_growth` itself.
        let need = shape.max_growth as usize + (1 << 16);
        let len = self.stack.len();
        if self.frames.len() >= MAX_FRAMES || len + need > STACK_SLOTS {
            return Err(self.stack_overflow());
        }
        self.count_invocation(method);
        let bp = len - argc - 1;
        let id = self.next_frame_id;
        self.next_frame_id += 1;
        let slot0 = self.slot(bp);
        let (self_value, outer) = if shape.is_block {
            self.block_receiver(slot0)
        } else {
            (slot0, Value::NIL)
        };
        self.push_nils(shape.num_locals as usize);
        let context = if shape.num_captured > 0 {
            self.new_context(method, bp, outer, shape.num_captured)
        } else {
            Value::NIL
        };
        self.frames.push(Frame {
            method,
            pc: 0,
            bp: bp as u32,
            self_value,
            context,
            outer,
            id,
            is_block: shape.is_block,
            tier: 0,
        });
        Ok(())
    }

    /// The receiver and outer context of a block frame whose slot 0 holds `block`.
    #[inline(always)]
    fn block_receiver(&self, block: Value) -> (Value, Value) {
        match &self.heap.get(block).body {
            Body::Block(b) => (b.receiver, b.outer),
            _ => (block, Value::NIL),
        }
    }

    /// The context of a new activation of `method` whose variables are captured by
    /// blocks: slot 0 links to `outer`, captured arguments are copied in.
    #[inline(never)]
    fn new_context(&mut self, method: MethodId, bp: usize, outer: Value, n: u16) -> Value {
        let code = self.code_of(method);
        let mut slots = vec![Value::NIL; n as usize + 1];
        slots[0] = outer;
        for &(slot, ctx) in &code.captured_args {
            slots[ctx as usize] = self.stack[bp + slot as usize];
        }
        self.alloc(Value::NIL, Body::Context(slots.into()))
    }

    /// `restart`: the frame that sent it starts over at bytecode 0. Each restart counts
    /// as an invocation for tiering, so a loop built on it (`whileTrue:` that the
    /// compiler did not inline) gets tier-1 code like a loop with a back-edge.
    fn restart_caller(&mut self, argc: usize) {
        let n = self.stack.len() - argc - 1;
        self.stack.truncate(n);
        let f = self.frames.last_mut().expect("frame");
        f.pc = 0;
        let (bp, method) = (f.bp as usize, f.method);
        self.count_invocation(method);
        let code = self.code_of(method);
        let keep = bp + 1 + code.num_args as usize;
        self.stack.truncate(keep);
        for _ in 0..code.num_locals {
            self.stack.push(Value::NIL);
        }
    }

    /// No method found: send `doesNotUnderstand:arguments:` or fail.
    fn does_not_understand(
        &mut self,
        selector: SymbolId,
        argc: usize,
        class: Value,
    ) -> Result<Flow, Unwind> {
        let dnu = self.intern("doesNotUnderstand:arguments:");
        let Some(handler) = self.lookup(class, dnu) else {
            let msg = format!(
                "{} does not understand #{}",
                self.class_name(class),
                self.symbol_text(selector)
            );
            return Err(self.error(msg));
        };
        let args = self.new_array(vec![Value::NIL; argc]);
        let n = self.stack.len();
        if let Body::Array(a) = &mut self.heap.get_mut(args).body {
            a.copy_from_slice(&self.stack[n - argc..]);
        }
        self.stack.truncate(n - argc);
        let sym = self.symbol_objects[selector.index()];
        self.stack.push(sym);
        self.stack.push(args);
        self.invoke(handler, 2)
    }

    /// Reading an unbound global: load a class of that name, else `unknownGlobal:`.
    pub(crate) fn unbound_global(&mut self, g: u32) -> Result<Flow, Unwind> {
        let name = self.global_names[g as usize];
        let text = self.symbol_text(name).to_string();
        match self.load_class(&text) {
            Ok(Some(class)) => {
                self.stack.push(class);
                Ok(Flow::Continue)
            }
            Ok(None) => {
                let receiver = self.frames.last().expect("frame").self_value;
                self.stack.push(receiver);
                let sym = self.symbol_objects[name.index()];
                self.stack.push(sym);
                let sel = self.intern("unknownGlobal:");
                self.send_selector(sel, 1)
            }
            Err(e) => Err(Unwind::Load(e)),
        }
    }

    /// The block object a block frame runs (in its slot 0).
    pub(crate) fn frame_block(&self, frame: usize) -> Option<&BlockData> {
        let f = &self.frames[frame];
        if !f.is_block {
            return None;
        }
        match &self.heap.get(self.stack[f.bp as usize]).body {
            Body::Block(b) => Some(b),
            _ => None,
        }
    }

    /// Frame index and activation id of the home method of frame `frame`.
    pub(crate) fn frame_home(&self, frame: usize) -> (u32, u64) {
        match self.frame_block(frame) {
            Some(b) => (b.home_frame, b.home_id),
            None => (frame as u32, self.frames[frame].id),
        }
    }

    /// Makes a closure over `method` in the current frame. `creator`: the frame whose
    /// slots a block made for a fallback send reads; `None`: the current frame when the
    /// block's code reads its creator's slots.
    pub(crate) fn new_block(&mut self, method: MethodId, creator: Option<u32>) -> Value {
        let top = self.frames.len() - 1;
        let creator = creator.or_else(|| {
            let uses = self.methods[method.index()].shape.uses_creator;
            uses.then_some(top as u32)
        });
        let (home_frame, home_id) = self.frame_home(top);
        let f = self.frames.last().expect("frame");
        let data = BlockData {
            method,
            outer: if f.context.is_nil() {
                f.outer
            } else {
                f.context
            },
            receiver: f.self_value,
            home_frame,
            home_id,
            creator: creator.map(|c| (c, f.id)),
        };
        let class = match self.methods[method.index()].num_args {
            0 => self.core.block1,
            1 => self.core.block2,
            2 => self.core.block3,
            _ => self.core.block,
        };
        self.alloc(class, Body::Block(Box::new(data)))
    }

    /// An inlined construct met a receiver it cannot handle inline: make real blocks and
    /// send the real message. `extra` values sit between the receiver and the blocks.
    pub(crate) fn take_fallback(
        &mut self,
        code: &Code,
        k: u16,
        extra: usize,
    ) -> Result<(), Unwind> {
        if k == NO_FALLBACK {
            let v = *self.stack.last().expect("value");
            let class = self.class_of(v);
            let msg = format!(
                "inlined control structure got a {} where it needs a Boolean (nested too deep to send the real message)",
                self.class_name(class)
            );
            return Err(self.error(msg));
        }
        let fb = code.fallbacks[k as usize].clone();
        let creator = (self.frames.len() - 1) as u32;
        self.frames.last_mut().expect("frame").pc = fb.resume;
        if fb.kind == FallbackKind::BlockIsReceiver {
            self.stack.pop();
        }
        for &m in &fb.blocks {
            let b = self.new_block(m, Some(creator));
            self.stack.push(b);
        }
        let argc = match fb.kind {
            FallbackKind::ValueIsReceiver => fb.blocks.len() + extra,
            FallbackKind::BlockIsReceiver => fb.blocks.len() - 1,
        };
        self.send_selector(fb.selector, argc).map(|_| ())
    }
}
