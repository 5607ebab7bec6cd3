//! Read-only queries on the VM state: the clock, stack frames with their variables,
//! objects, classes and methods, globals, and short value descriptions that run no SOM
//! code (safe at any boundary).

use super::ValueRef;
use crate::bytecode::{Code, MethodKind};
use crate::object::heap::{Body, MethodId};
use crate::runtime::vm::Vm;
use crate::value::Value;

/// A read-only view of the VM (at a boundary, or of a paused machine).
pub struct View<'a> {
    pub(crate) vm: &'a Vm,
}

/// A method, as a cheap key (see [`View::method_at`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MethodKey(pub(crate) crate::ids::MethodId);

/// A named variable and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    pub name: String,
    pub value: ValueRef,
}

/// One activation, as tools see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameInfo {
    /// 0 is the innermost frame.
    pub level: usize,
    /// The activation's unique id (stable while it lives).
    pub id: u64,
    /// The class that defines the method (`Foo` or `Foo class`).
    pub class: String,
    pub selector: String,
    pub is_block: bool,
    /// `Class>>selector` or `[] in Class>>selector`.
    pub label: String,
    pub file: String,
    pub line: u32,
    /// Index of the bytecode executing (or about to execute, in the innermost frame).
    pub bci: u32,
    pub tier: u8,
    pub receiver: ValueRef,
    pub args: Vec<Var>,
    pub locals: Vec<Var>,
}

/// An object's contents.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectInfo {
    pub class: String,
    /// A short description (see [`View::describe`]).
    pub summary: String,
    pub fields: Vec<Var>,
    pub indexed: Vec<ValueRef>,
}

/// A method of a class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodInfo {
    pub key: MethodKey,
    pub selector: String,
    pub file: String,
    pub line: u32,
    pub is_primitive: bool,
    /// Source lines of its bytecodes (empty for primitives).
    pub lines: Vec<u32>,
    /// Calls so far (the tier-up counter).
    pub invocations: u32,
}

/// A method's or block's run counters, which every tier advances identically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodCount {
    pub key: MethodKey,
    /// `Class>>selector`, or `[] in Class>>selector` for a block.
    pub label: String,
    /// Activations so far (frames pushed, trivial methods run, `restart`s).
    pub invocations: u32,
    /// Loop back-edges taken in its activations.
    pub back_edges: u32,
}

/// A class and its methods (instance side, then class side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassInfo {
    pub name: String,
    pub superclass: Option<String>,
    pub fields: Vec<String>,
    pub methods: Vec<MethodInfo>,
    pub class_methods: Vec<MethodInfo>,
}

impl<'a> View<'a> {
    /// The logical clock: sends plus loop back-edges so far.
    pub fn clock(&self) -> u64 {
        self.vm.stats.clock
    }

    /// Bytecodes executed so far.
    pub fn step(&self) -> u64 {
        self.vm.stats.bytecodes
    }

    pub fn depth(&self) -> usize {
        self.vm.frames.len()
    }

    /// Collections so far.
    pub fn gc_count(&self) -> u64 {
        self.vm.stats.gc_count
    }

    /// Why a replay stopped matching its log, if it did.
    pub fn divergence(&self) -> Option<&str> {
        self.vm.entropy.diverged.as_deref()
    }

    /// Output captured so far (stdout and stderr, in order).
    pub fn output(&self) -> &[u8] {
        self.vm.output.captured()
    }

    /// The method running in frame `level` (0 innermost), as a key that stays valid
    /// across checkpoints of the same run (cheap: no allocation).
    pub fn method_at(&self, level: usize) -> MethodKey {
        let frames = &self.vm.frames;
        MethodKey(frames[frames.len() - 1 - level].method)
    }

    /// `(class, selector, label, file)` of a method (see [`FrameInfo`]).
    pub fn method_names(&self, key: MethodKey) -> (String, String, String, String) {
        let vm = self.vm;
        let m = &vm.methods[key.0.index()];
        (
            vm.class_name(m.holder),
            vm.symbol_text(m.signature).to_string(),
            vm.method_name(key.0),
            m.file.to_string(),
        )
    }

    /// The level (0 innermost) of the live activation with this id.
    pub fn level_of(&self, frame_id: u64) -> Option<usize> {
        let frames = &self.vm.frames;
        frames
            .iter()
            .rposition(|f| f.id == frame_id)
            .map(|i| frames.len() - 1 - i)
    }

    /// The context object (captured variables) of frame `level`, if it has one.
    pub fn frame_context(&self, level: usize) -> Option<ValueRef> {
        let index = self.vm.frames.len().checked_sub(level + 1)?;
        let ctx = self.vm.frames[index].context;
        (ctx != Value::NIL).then(|| ValueRef::of(ctx))
    }

    /// The value of a named argument or local visible in frame `level`.
    pub fn variable(&self, level: usize, name: &str) -> Option<ValueRef> {
        let index = self.vm.frames.len().checked_sub(level + 1)?;
        let code = self.vm.code_of(self.vm.frames[index].method);
        let (args, locals) = self.variables(index, &code);
        args.into_iter()
            .chain(locals)
            .rev()
            .find(|v| v.name == name)
            .map(|v| v.value)
    }

    /// Field `index` of an object (no allocation), `None` when it has no such field.
    pub fn field_value(&self, object: ValueRef, index: usize) -> Option<ValueRef> {
        let v = object.value();
        if !self.is_valid(v) || !v.is_ref() {
            return None;
        }
        match &self.vm.heap.get(v).body {
            Body::Instance(f) => f.get(index).map(|&x| ValueRef::of(x)),
            _ => None,
        }
    }

    /// The bytecode step (see [`View::step`]; the allocating bytecode included) at
    /// which the object `v` names was allocated, when writes were tracked
    /// ([`Machine::track_writes`](super::Machine::track_writes)) in the monitored run
    /// that allocated it; `None` otherwise or for immediate values. The statement that
    /// allocated it is the last boundary with a smaller step.
    pub fn allocation_step(&self, v: ValueRef) -> Option<u64> {
        let value = v.value();
        if !value.is_ref() || !self.is_live(v) {
            return None;
        }
        self.vm.allocation_step(value)
    }

    /// Whether `v` names a live object (or is an immediate value).
    pub fn is_live(&self, v: ValueRef) -> bool {
        let v = v.value();
        self.is_valid(v) && !matches!(self.vm.heap.get(v).body, Body::Free(_))
    }

    /// Frames, innermost first.
    pub fn frames(&self) -> Vec<FrameInfo> {
        (0..self.vm.frames.len()).map(|l| self.frame(l)).collect()
    }

    /// The frame at `level` (0 innermost). Panics when out of range (see `depth`).
    pub fn frame(&self, level: usize) -> FrameInfo {
        let vm = self.vm;
        let index = vm.frames.len() - 1 - level;
        let f = &vm.frames[index];
        let method = &vm.methods[f.method.index()];
        let code = vm.code_of(f.method);
        let bci = if level == 0 {
            f.pc
        } else {
            f.pc.saturating_sub(1)
        };
        let line = code.lines.get(bci as usize).copied().unwrap_or(method.line);
        let (args, locals) = self.variables(index, &code);
        FrameInfo {
            level,
            id: f.id,
            class: vm.class_name(method.holder),
            selector: vm.symbol_text(method.signature).to_string(),
            is_block: f.is_block,
            label: vm.method_name(f.method),
            file: method.file.to_string(),
            line,
            bci,
            tier: f.tier,
            receiver: ValueRef::of(f.self_value),
            args,
            locals,
        }
    }

    /// Arguments and locals of frame `index` (captured ones read from the context),
    /// then, for blocks, the visible variables of the enclosing activations.
    fn variables(&self, index: usize, code: &Code) -> (Vec<Var>, Vec<Var>) {
        let vm = self.vm;
        let f = &vm.frames[index];
        let bp = f.bp as usize;
        let read = |slot: usize| -> Value {
            match code.captured_vars.iter().find(|(s, _)| *s as usize == slot) {
                Some(&(_, ctx)) if f.context != Value::NIL => vm.context_get(f.context, 0, ctx),
                _ => vm.stack.get(bp + slot).copied().unwrap_or(Value::NIL),
            }
        };
        let var = |slot: usize| Var {
            name: code.slot_names[slot].clone(),
            value: ValueRef::of(read(slot)),
        };
        let nargs = code.num_args as usize;
        let args = (1..=nargs).map(var).collect();
        let mut locals: Vec<Var> = (nargs + 1..code.slot_names.len())
            .filter(|&s| {
                !code.slot_names[s].starts_with('<') && !code.slot_names[s].starts_with('$')
            })
            .map(var)
            .collect();
        if f.is_block {
            self.outer_variables(f.method, f.outer, &mut locals);
        }
        (args, locals)
    }

    /// Captured variables of the activations enclosing block method `method`.
    fn outer_variables(&self, method: MethodId, mut ctx: Value, out: &mut Vec<Var>) {
        let vm = self.vm;
        let mut m = vm.methods[method.index()].outer_method;
        while let (Some(outer), true) = (m, ctx != Value::NIL) {
            let code = match &vm.methods[outer.index()].kind {
                MethodKind::Bytecode(c) | MethodKind::Trivial(_, c) => c.clone(),
                _ => break,
            };
            if code.num_captured > 0 {
                for &(slot, cslot) in &code.captured_vars {
                    let name = &code.slot_names[slot as usize];
                    if !out.iter().any(|v| &v.name == name) {
                        out.push(Var {
                            name: name.clone(),
                            value: ValueRef::of(vm.context_get(ctx, 0, cslot)),
                        });
                    }
                }
                ctx = vm.context_get(ctx, 0, 0);
            }
            m = vm.methods[outer.index()].outer_method;
        }
    }

    fn is_valid(&self, v: Value) -> bool {
        !v.is_ref() || v.index() < self.vm.heap.objects.len()
    }

    /// The class name of a value.
    pub fn class_of(&self, v: ValueRef) -> String {
        let v = v.value();
        if !self.is_valid(v) {
            return "<stale>".into();
        }
        self.vm.class_name(self.vm.class_of(v))
    }

    /// A short description that runs no SOM code: numbers, strings (quoted), symbols
    /// (`#foo`), `nil`/`true`/`false`, classes by name, `a Foo` otherwise.
    pub fn describe(&self, v: ValueRef) -> String {
        let vm = self.vm;
        let v = v.value();
        if !self.is_valid(v) {
            return "<stale reference>".into();
        }
        if v.is_int() {
            return v.as_int().to_string();
        }
        if v.is_double() {
            return crate::object::numeric::format_double(v.as_double());
        }
        match v {
            Value::NIL => return "nil".into(),
            Value::TRUE => return "true".into(),
            Value::FALSE => return "false".into(),
            _ => {}
        }
        let obj = vm.heap.get(v);
        match &obj.body {
            Body::String(s) => format!("'{}'", s.text),
            Body::Symbol(id) => format!("#{}", vm.symbol_text(*id)),
            Body::Double(d) => crate::object::numeric::format_double(*d),
            Body::BigInt(b) => b.to_string(),
            Body::Class(_) => vm.class_name(v),
            Body::Array(a) => format!("an Array({})", a.len()),
            Body::Free(_) => "<free>".into(),
            _ => {
                let name = vm.class_name(obj.class);
                let article = if name.starts_with(['A', 'E', 'I', 'O', 'U']) {
                    "an"
                } else {
                    "a"
                };
                format!("{article} {name}")
            }
        }
    }

    /// Whether a value is an object with fields or elements worth expanding.
    pub fn is_expandable(&self, v: ValueRef) -> bool {
        let v = v.value();
        self.is_valid(v)
            && v.is_ref()
            && matches!(
                self.vm.heap.get(v).body,
                Body::Instance(_) | Body::Array(_) | Body::Block(_)
            )
    }

    /// The object's class, named fields and indexed part.
    pub fn object(&self, v: ValueRef) -> ObjectInfo {
        let vm = self.vm;
        let value = v.value();
        let mut info = ObjectInfo {
            class: self.class_of(v),
            summary: self.describe(v),
            fields: Vec::new(),
            indexed: Vec::new(),
        };
        if !self.is_valid(value) || !value.is_ref() {
            return info;
        }
        let obj = vm.heap.get(value);
        match &obj.body {
            Body::Instance(fields) => {
                let names = self.field_names(obj.class);
                for (i, f) in fields.iter().enumerate() {
                    let name = names.get(i).cloned().unwrap_or_else(|| format!("field{i}"));
                    info.fields.push(Var {
                        name,
                        value: ValueRef::of(*f),
                    });
                }
            }
            Body::Array(items) => info.indexed = items.iter().map(|&x| ValueRef::of(x)).collect(),
            Body::Block(b) => info.fields.push(Var {
                name: "receiver".into(),
                value: ValueRef::of(b.receiver),
            }),
            _ => {}
        }
        info
    }

    /// Names of the instance fields of `class` (inherited first).
    fn field_names(&self, class: Value) -> Vec<String> {
        if !self.vm.heap.is_class(class) {
            return Vec::new();
        }
        let data = self.vm.heap.class_data(class);
        data.instance_fields
            .iter()
            .map(|&s| self.vm.symbol_text(s).to_string())
            .collect()
    }

    /// The value of a named field of an object.
    pub fn field(&self, object: ValueRef, name: &str) -> Option<ValueRef> {
        self.field_index(object, name)
            .and_then(|i| self.object(object).fields.get(i).map(|v| v.value))
    }

    /// The index of a named field of an object.
    pub fn field_index(&self, object: ValueRef, name: &str) -> Option<usize> {
        let v = object.value();
        if !self.is_valid(v) || !v.is_ref() {
            return None;
        }
        let obj = self.vm.heap.get(v);
        match obj.body {
            Body::Instance(_) => self.field_names(obj.class).iter().rposition(|n| n == name),
            _ => None,
        }
    }

    /// A global's value (`None` when unbound).
    pub fn global(&self, name: &str) -> Option<ValueRef> {
        let id = *self.vm.symbol_ids.get(name)?;
        self.vm.get_global(id).map(ValueRef::of)
    }

    /// Names of all bound globals (classes included), sorted.
    pub fn globals(&self) -> Vec<String> {
        let vm = self.vm;
        let mut names: Vec<String> = vm
            .global_names
            .iter()
            .zip(&vm.globals)
            .filter(|(_, v)| v.is_some())
            .map(|(&n, _)| vm.symbol_text(n).to_string())
            .collect();
        names.sort();
        names
    }

    /// The loaded classes, sorted by name.
    pub fn classes(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .globals()
            .into_iter()
            .filter(|n| {
                self.global(n)
                    .is_some_and(|v| self.vm.heap.is_class(v.value()))
            })
            .collect();
        names.sort();
        names
    }

    /// The run counters of every method and block the VM has loaded, in load order.
    pub fn method_counts(&self) -> Vec<MethodCount> {
        (0..self.vm.methods.len())
            .map(|i| {
                let (m, method) = (crate::ids::MethodId::new(i), &self.vm.methods[i]);
                MethodCount {
                    key: MethodKey(m),
                    label: self.vm.method_name(m),
                    invocations: method.invocations.get(),
                    back_edges: method.back_edges.get(),
                }
            })
            .collect()
    }

    /// A loaded class with its methods.
    pub fn class(&self, name: &str) -> Option<ClassInfo> {
        let vm = self.vm;
        let class = self.global(name)?.value();
        if !vm.heap.is_class(class) {
            return None;
        }
        let data = vm.heap.class_data(class);
        let superclass = (data.superclass != Value::NIL).then(|| vm.class_name(data.superclass));
        let meta = vm.heap.get(class).class;
        Some(ClassInfo {
            name: name.to_string(),
            superclass,
            fields: self.field_names(class),
            methods: self.methods_of(class),
            class_methods: self.methods_of(meta),
        })
    }

    fn methods_of(&self, class: Value) -> Vec<MethodInfo> {
        let vm = self.vm;
        if !vm.heap.is_class(class) {
            return Vec::new();
        }
        let mut out: Vec<MethodInfo> = vm
            .heap
            .class_data(class)
            .methods
            .values()
            .map(|&m| {
                let method = &vm.methods[m.index()];
                let lines = match &method.kind {
                    MethodKind::Bytecode(c) | MethodKind::Trivial(_, c) => c.lines.clone(),
                    _ => Vec::new(),
                };
                MethodInfo {
                    key: MethodKey(m),
                    selector: vm.symbol_text(method.signature).to_string(),
                    file: method.file.to_string(),
                    line: method.line,
                    is_primitive: lines.is_empty(),
                    lines,
                    invocations: method.invocations.get(),
                }
            })
            .collect();
        out.sort_by_key(|m| m.line);
        out
    }
}
