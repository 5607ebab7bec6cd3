//! The IR side of inlining: splicing a callee's body into a caller at a `send` or
//! `call_block`. The callee's arguments become the call's operands, its `return v` a jump
//! to the continuation with `v`, and its frame states get the call's frame state as their
//! outer state (one activation per inlined level). A block's non-local return `nlreturn v`
//! stays, becomes the caller's own return, or jumps to a given block (the continuation of
//! the inlined home method). Which callee to inline is the VM's decision (it has the
//! method table and the inline caches).

use crate::entities::{Block, FrameStateRef, Inst, Value, VirtualRef};
use crate::function::{FrameState, Function, StateSlot, ValueDef, VirtualObject};
use crate::inst::{BlockCall, InstData};
use crate::types::Type;
use std::collections::HashMap;

/// What a non-local return in the callee becomes.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum NonLocalReturn {
    /// Stays a non-local return (the home method is not in this compilation).
    Keep,
    /// Returns from the caller (the caller is the block's home method).
    Return,
    /// Jumps to this block of the caller with the value (the home is inlined there).
    JumpTo(Block),
}

/// Where the inlined code went.
#[derive(Clone, Debug)]
pub struct Inlined {
    /// The block holding what followed the call; its parameter is the call's result.
    pub continuation: Block,
    /// Callee block -> its copy in the caller.
    pub blocks: HashMap<Block, Block>,
}

/// Why a call cannot be inlined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InlineError {
    #[error("the instruction is not a send or call_block in the layout")]
    NotACall,
    #[error("the callee takes {expected} arguments, the call passes {given}")]
    Arity { expected: usize, given: usize },
    #[error("the callee returns {0}, a call's result is a word")]
    ReturnType(Type),
    #[error("a non-local return cannot return from a caller that returns {0}")]
    CallerReturnType(Type),
}

/// Splices `callee` into `caller` in place of `call`.
pub fn inline_call(
    caller: &mut Function,
    call: Inst,
    callee: &Function,
    nlr: NonLocalReturn,
) -> Result<Inlined, InlineError> {
    let (operands, call_state) = match &caller.insts[call] {
        InstData::Send { args, state, .. } => (args.clone(), *state),
        InstData::CallBlock { block, args, state } => {
            ([vec![*block], args.clone()].concat(), *state)
        }
        _ => return Err(InlineError::NotACall),
    };
    let block = caller.inst_block[call].ok_or(InlineError::NotACall)?;
    let params = &callee.blocks[callee.entry()].params;
    if params.len() != operands.len() {
        return Err(InlineError::Arity {
            expected: params.len(),
            given: operands.len(),
        });
    }
    if callee.ret != Type::Word {
        return Err(InlineError::ReturnType(callee.ret));
    }
    if nlr == NonLocalReturn::Return && caller.ret != Type::Word {
        return Err(InlineError::CallerReturnType(caller.ret));
    }
    let cont = split_after(caller, block, call);
    let mut s = Splice {
        callee,
        values: HashMap::new(),
        blocks: HashMap::new(),
        states: HashMap::new(),
        virtuals: HashMap::new(),
        outer: call_state,
    };
    // An entry block the callee branches back to (a loop header) keeps its parameters;
    // otherwise they are replaced by the operands directly.
    let entry_is_target = !callee.predecessors()[callee.entry()].is_empty();
    if !entry_is_target {
        s.values
            .extend(params.iter().copied().zip(operands.iter().copied()));
    }
    let copied = s.copy_blocks(caller, block, entry_is_target);
    for (inst, from) in copied {
        s.remap(caller, inst, from, cont, nlr);
    }
    let entry = s.blocks[&callee.entry()];
    let args = if entry_is_target { operands } else { vec![] };
    let dest = BlockCall { block: entry, args };
    caller.append_inst(block, InstData::Jump { dest });
    Ok(Inlined {
        continuation: cont,
        blocks: s.blocks,
    })
}

/// Moves everything after `call` in `block` into a new block whose parameter is the
/// call's result (the same value), and removes the call.
fn split_after(f: &mut Function, block: Block, call: Inst) -> Block {
    let cont = f.blocks.push(Default::default());
    let at = f.layout.iter().position(|&b| b == block).unwrap();
    f.layout.insert(at + 1, cont);
    let pos = f.blocks[block]
        .insts
        .iter()
        .position(|&i| i == call)
        .unwrap();
    let tail: Vec<Inst> = f.blocks[block].insts.split_off(pos + 1);
    for &i in &tail {
        f.inst_block[i] = Some(cont);
    }
    f.blocks[cont].insts = tail;
    let result = f.first_result(call);
    f.values[result].def = ValueDef::Param(cont, 0);
    f.blocks[cont].params.push(result);
    f.results[call] = None;
    f.detach(call);
    cont
}

struct Splice<'a> {
    callee: &'a Function,
    values: HashMap<Value, Value>,
    blocks: HashMap<Block, Block>,
    states: HashMap<FrameStateRef, FrameStateRef>,
    virtuals: HashMap<VirtualRef, VirtualRef>,
    outer: FrameStateRef,
}

impl Splice<'_> {
    /// Creates the callee's blocks, parameters (the entry's only if `entry_params`) and
    /// instructions (operands not yet mapped) after `after` in the caller's layout.
    fn copy_blocks(
        &mut self,
        f: &mut Function,
        after: Block,
        entry_params: bool,
    ) -> Vec<(Inst, Inst)> {
        let first = f.layout.iter().position(|&b| b == after).unwrap() + 1;
        let entry = self.callee.entry();
        for (at, &cb) in (first..).zip(&self.callee.layout) {
            let nb = f.blocks.push(Default::default());
            f.layout.insert(at, nb);
            self.blocks.insert(cb, nb);
            if cb != entry || entry_params {
                for &p in &self.callee.blocks[cb].params {
                    let np = f.add_block_param(nb, self.callee.values[p].ty);
                    self.values.insert(p, np);
                }
            }
        }
        let mut copied = Vec::new();
        for &cb in &self.callee.layout {
            let nb = self.blocks[&cb];
            for &ci in &self.callee.blocks[cb].insts {
                let ni = f.append_inst(nb, self.callee.insts[ci].clone());
                if let (Some(old), Some(new)) = (self.callee.result(ci), f.result(ni)) {
                    self.values.insert(old, new);
                }
                copied.push((ni, ci));
            }
            if let Some(fs) = self.callee.blocks[cb].entry_state {
                f.blocks[nb].entry_state = Some(self.state(f, fs));
            }
        }
        copied
    }

    fn remap(
        &mut self,
        f: &mut Function,
        inst: Inst,
        _from: Inst,
        cont: Block,
        nlr: NonLocalReturn,
    ) {
        let values = &self.values;
        f.insts[inst].map_args(|v| values[&v]);
        for call in f.insts[inst].successors_mut() {
            call.block = self.blocks[&call.block];
        }
        if let Some(fs) = f.insts[inst].state() {
            let mapped = self.state(f, fs);
            *f.insts[inst].state_mut().unwrap() = mapped;
        }
        let replacement = match f.insts[inst] {
            InstData::Return { value } => Some(InstData::Jump {
                dest: BlockCall {
                    block: cont,
                    args: vec![value],
                },
            }),
            InstData::NonLocalReturn { value } => match nlr {
                NonLocalReturn::Keep => None,
                NonLocalReturn::Return => Some(InstData::Return { value }),
                NonLocalReturn::JumpTo(b) => Some(InstData::Jump {
                    dest: BlockCall {
                        block: b,
                        args: vec![value],
                    },
                }),
            },
            _ => None,
        };
        if let Some(r) = replacement {
            f.insts[inst] = r;
        }
    }

    /// The caller's copy of callee state `fs`; the end of each chain gets the call's state.
    fn state(&mut self, f: &mut Function, fs: FrameStateRef) -> FrameStateRef {
        if let Some(&n) = self.states.get(&fs) {
            return n;
        }
        let st = self.callee.states[fs].clone();
        let slots = st.slots.iter().map(|&s| self.slot(f, s)).collect();
        let outer = match st.outer {
            Some(o) => self.state(f, o),
            None => self.outer,
        };
        let n = f.add_state(FrameState {
            method: st.method,
            bci: st.bci,
            slots,
            outer: Some(outer),
        });
        self.states.insert(fs, n);
        n
    }

    fn slot(&mut self, f: &mut Function, s: StateSlot) -> StateSlot {
        match s {
            StateSlot::Value(v) => StateSlot::Value(self.values[&v]),
            StateSlot::Const(_) => s,
            StateSlot::Virtual(vo) => {
                if let Some(&n) = self.virtuals.get(&vo) {
                    return StateSlot::Virtual(n);
                }
                let obj = self.callee.virtuals[vo].clone();
                let n = f.add_virtual(VirtualObject {
                    class: obj.class,
                    size: obj.size,
                    fields: vec![],
                });
                self.virtuals.insert(vo, n);
                let fields = obj
                    .fields
                    .iter()
                    .map(|&(o, s)| (o, self.slot(f, s)))
                    .collect();
                f.virtuals[n].fields = fields;
                StateSlot::Virtual(n)
            }
        }
    }
}
