//! The function: instructions, values, blocks in layout order, frame states and virtual
//! objects, with the mutation primitives passes share (append, insert, remove, replace
//! uses). Entities keep their numbers across passes, so dumps diff cleanly.

use crate::entities::{Block, FrameStateRef, Inst, Value, VirtualRef};
use crate::inst::InstData;
use crate::types::Type;
use cranelift_entity::{PrimaryMap, SecondaryMap};
use std::collections::HashMap;

/// Where a value comes from.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum ValueDef {
    /// The n-th parameter of a block.
    Param(Block, u32),
    /// The result of an instruction.
    Result(Inst),
    /// A number the text form skipped (never used).
    Unused,
}

/// A value's type and definition.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct ValueData {
    pub ty: Type,
    pub def: ValueDef,
}

/// A block: parameters, instructions in order (the last is the terminator), and the frame
/// state at its start when it is a loop header (used to hoist guards into its preheader).
#[derive(Clone, Default, Debug)]
pub struct BlockData {
    pub params: Vec<Value>,
    pub insts: Vec<Inst>,
    pub entry_state: Option<FrameStateRef>,
}

/// One slot of a frame state or a virtual object's field.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum StateSlot {
    /// The slot holds this SSA value.
    Value(Value),
    /// The slot holds this constant word.
    Const(u64),
    /// The slot holds an object that was scalar-replaced and must be re-materialized.
    Virtual(VirtualRef),
}

/// The interpreter frame of one activation at a deopt point, innermost first; `outer`
/// is the caller's state when this activation was inlined.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct FrameState {
    /// The VM's method id.
    pub method: u32,
    /// The bytecode index where the interpreter resumes.
    pub bci: u32,
    /// Arguments, locals and operand stack slots, bottom first.
    pub slots: Vec<StateSlot>,
    /// The caller's frame state (for inlined activations).
    pub outer: Option<FrameStateRef>,
}

/// An allocation that was removed: its class word, size and the field values by offset
/// (fields not listed hold what a fresh allocation holds).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct VirtualObject {
    pub class: u64,
    pub size: u32,
    pub fields: Vec<(u32, StateSlot)>,
}

/// A function of the IR. The entry block is `layout[0]`; its parameters are the arguments.
#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    pub ret: Type,
    pub insts: PrimaryMap<Inst, InstData>,
    pub results: SecondaryMap<Inst, Option<Value>>,
    pub inst_block: SecondaryMap<Inst, Option<Block>>,
    pub values: PrimaryMap<Value, ValueData>,
    pub blocks: PrimaryMap<Block, BlockData>,
    pub layout: Vec<Block>,
    pub states: PrimaryMap<FrameStateRef, FrameState>,
    pub virtuals: PrimaryMap<VirtualRef, VirtualObject>,
}

impl Function {
    /// A function with an entry block whose parameters have the given types.
    pub fn new(name: &str, params: &[Type], ret: Type) -> Function {
        let mut f = Function::empty(name, ret);
        let entry = f.add_block();
        for &ty in params {
            f.add_block_param(entry, ty);
        }
        f
    }

    /// A function without blocks (the parser fills it).
    pub fn empty(name: &str, ret: Type) -> Function {
        Function {
            name: name.to_string(),
            ret,
            insts: PrimaryMap::new(),
            results: SecondaryMap::new(),
            inst_block: SecondaryMap::new(),
            values: PrimaryMap::new(),
            blocks: PrimaryMap::new(),
            layout: Vec::new(),
            states: PrimaryMap::new(),
            virtuals: PrimaryMap::new(),
        }
    }

    /// The entry block.
    pub fn entry(&self) -> Block {
        self.layout[0]
    }

    /// The types of the arguments (the entry block's parameters).
    pub fn param_types(&self) -> Vec<Type> {
        self.blocks[self.entry()]
            .params
            .iter()
            .map(|&v| self.values[v].ty)
            .collect()
    }

    /// Adds a block at the end of the layout.
    pub fn add_block(&mut self) -> Block {
        let b = self.blocks.push(BlockData::default());
        self.layout.push(b);
        b
    }

    /// Appends a parameter of type `ty` to block `b`.
    pub fn add_block_param(&mut self, b: Block, ty: Type) -> Value {
        let n = self.blocks[b].params.len() as u32;
        let v = self.values.push(ValueData {
            ty,
            def: ValueDef::Param(b, n),
        });
        self.blocks[b].params.push(v);
        v
    }

    /// Creates an instruction (not yet in any block) and its result value.
    pub fn make_inst(&mut self, data: InstData) -> Inst {
        let ty = data.result_type();
        let inst = self.insts.push(data);
        if let Some(ty) = ty {
            let v = self.values.push(ValueData {
                ty,
                def: ValueDef::Result(inst),
            });
            self.results[inst] = Some(v);
        }
        inst
    }

    /// Appends a new instruction to block `b`.
    pub fn append_inst(&mut self, b: Block, data: InstData) -> Inst {
        let inst = self.make_inst(data);
        self.blocks[b].insts.push(inst);
        self.inst_block[inst] = Some(b);
        inst
    }

    /// Inserts a new instruction in block `b` at position `at`.
    pub fn insert_inst(&mut self, b: Block, at: usize, data: InstData) -> Inst {
        let inst = self.make_inst(data);
        self.blocks[b].insts.insert(at, inst);
        self.inst_block[inst] = Some(b);
        inst
    }

    /// Inserts a new instruction just before `b`'s terminator.
    pub fn insert_before_terminator(&mut self, b: Block, data: InstData) -> Inst {
        let at = self.blocks[b].insts.len().saturating_sub(1);
        self.insert_inst(b, at, data)
    }

    /// Moves an existing instruction to the end of `b` before its terminator.
    pub fn move_before_terminator(&mut self, inst: Inst, b: Block) {
        self.detach(inst);
        let at = self.blocks[b].insts.len().saturating_sub(1);
        self.blocks[b].insts.insert(at, inst);
        self.inst_block[inst] = Some(b);
    }

    /// Takes an instruction out of its block (it no longer executes).
    pub fn detach(&mut self, inst: Inst) {
        if let Some(b) = self.inst_block[inst].take() {
            self.blocks[b].insts.retain(|&i| i != inst);
        }
    }

    /// The result of `inst`, if it has one.
    pub fn result(&self, inst: Inst) -> Option<Value> {
        self.results[inst]
    }

    /// The result of `inst`, which must have one.
    pub fn first_result(&self, inst: Inst) -> Value {
        self.results[inst].expect("instruction has a result")
    }

    /// The instruction defining `v`, if it is an instruction result.
    pub fn def_inst(&self, v: Value) -> Option<Inst> {
        match self.values[v].def {
            ValueDef::Result(i) => Some(i),
            _ => None,
        }
    }

    /// The defining instruction's data of `v`.
    pub fn def_data(&self, v: Value) -> Option<&InstData> {
        self.def_inst(v).map(|i| &self.insts[i])
    }

    /// The block's terminator.
    pub fn terminator(&self, b: Block) -> Option<Inst> {
        self.blocks[b]
            .insts
            .last()
            .copied()
            .filter(|&i| self.insts[i].is_terminator())
    }

    /// Successor blocks of `b` in branch order.
    pub fn successors(&self, b: Block) -> Vec<Block> {
        match self.terminator(b) {
            Some(t) => self.insts[t].successors().iter().map(|c| c.block).collect(),
            None => vec![],
        }
    }

    /// Predecessor lists of every block in the layout.
    pub fn predecessors(&self) -> SecondaryMap<Block, Vec<Block>> {
        let mut preds: SecondaryMap<Block, Vec<Block>> = SecondaryMap::new();
        for &b in &self.layout {
            for s in self.successors(b) {
                if !preds[s].contains(&b) {
                    preds[s].push(b);
                }
            }
        }
        preds
    }

    /// Adds a frame state.
    pub fn add_state(&mut self, state: FrameState) -> FrameStateRef {
        self.states.push(state)
    }

    /// Adds a virtual object.
    pub fn add_virtual(&mut self, obj: VirtualObject) -> VirtualRef {
        self.virtuals.push(obj)
    }

    /// The chain of frame states starting at `fs`, innermost first.
    pub fn state_chain(&self, fs: FrameStateRef) -> Vec<FrameStateRef> {
        let mut chain = vec![fs];
        let mut cur = fs;
        while let Some(o) = self.states[cur].outer {
            if chain.contains(&o) {
                break;
            }
            chain.push(o);
            cur = o;
        }
        chain
    }

    /// Every SSA value a frame-state chain needs (through virtual objects), first-seen order.
    pub fn state_values(&self, fs: FrameStateRef) -> Vec<Value> {
        let mut out = Vec::new();
        let mut seen_vo = Vec::new();
        for s in self.state_chain(fs) {
            for slot in &self.states[s].slots {
                self.slot_values(*slot, &mut out, &mut seen_vo);
            }
        }
        out
    }

    fn slot_values(&self, slot: StateSlot, out: &mut Vec<Value>, seen: &mut Vec<VirtualRef>) {
        match slot {
            StateSlot::Value(v) if !out.contains(&v) => out.push(v),
            StateSlot::Virtual(vo) if !seen.contains(&vo) => {
                seen.push(vo);
                for &(_, f) in &self.virtuals[vo].fields {
                    self.slot_values(f, out, seen);
                }
            }
            _ => {}
        }
    }

    /// Replaces uses of values by `map` everywhere: operands, frame states, virtual objects.
    pub fn replace_uses(&mut self, map: &HashMap<Value, Value>) {
        if map.is_empty() {
            return;
        }
        let resolve = |mut v: Value| {
            let mut steps = 0;
            while let Some(&n) = map.get(&v) {
                v = n;
                steps += 1;
                if steps > map.len() {
                    break;
                }
            }
            v
        };
        for (_, data) in self.insts.iter_mut() {
            data.map_args(resolve);
        }
        let map_slot = |s: &mut StateSlot| {
            if let StateSlot::Value(v) = s {
                *v = resolve(*v);
            }
        };
        for (_, st) in self.states.iter_mut() {
            st.slots.iter_mut().for_each(map_slot);
        }
        for (_, vo) in self.virtuals.iter_mut() {
            vo.fields.iter_mut().for_each(|(_, s)| map_slot(s));
        }
    }

    /// Number of instructions in the layout.
    pub fn inst_count(&self) -> usize {
        self.layout
            .iter()
            .map(|&b| self.blocks[b].insts.len())
            .sum()
    }

    /// Every instruction in layout order.
    pub fn layout_insts(&self) -> Vec<Inst> {
        self.layout
            .iter()
            .flat_map(|&b| self.blocks[b].insts.iter().copied())
            .collect()
    }

    /// The constant bits and type of `v` if it is a constant.
    pub fn const_of(&self, v: Value) -> Option<(Type, u64)> {
        match self.def_data(v)? {
            InstData::Const { ty, bits } => Some((*ty, *bits)),
            _ => None,
        }
    }

    /// The value of `v` if it is an int constant.
    pub fn int_const(&self, v: Value) -> Option<i64> {
        match self.const_of(v)? {
            (Type::Int, bits) => Some(bits as i64),
            _ => None,
        }
    }
}

impl Function {
    /// A copy of the frame-state chain at `fs` with values replaced by `map` (values not in
    /// `map` stay); virtual objects whose fields change are copied too.
    pub fn copy_state_with(
        &mut self,
        fs: FrameStateRef,
        map: &HashMap<Value, StateSlot>,
    ) -> FrameStateRef {
        let mut st = self.states[fs].clone();
        st.slots = st.slots.iter().map(|&s| self.map_slot(s, map, 0)).collect();
        st.outer = st.outer.map(|o| self.copy_state_with(o, map));
        self.states.push(st)
    }

    fn map_slot(
        &mut self,
        s: StateSlot,
        map: &HashMap<Value, StateSlot>,
        depth: usize,
    ) -> StateSlot {
        match s {
            StateSlot::Value(v) => map.get(&v).copied().unwrap_or(s),
            StateSlot::Virtual(vo) if depth < 64 => {
                let mut obj = self.virtuals[vo].clone();
                let fields: Vec<(u32, StateSlot)> = obj
                    .fields
                    .iter()
                    .map(|&(o, f)| (o, self.map_slot(f, map, depth + 1)))
                    .collect();
                if fields == obj.fields {
                    return s;
                }
                obj.fields = fields;
                StateSlot::Virtual(self.virtuals.push(obj))
            }
            _ => s,
        }
    }
}
