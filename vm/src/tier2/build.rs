//! The tier-2 builder's frame: from a method's bytecode (and its send sites' inline
//! caches) to a som-ir `Function`. This file owns the shape of the function: the
//! basic blocks (one per leader bytecode, whose parameters are every frame slot and
//! operand-stack value as words), the entry dispatch (entry 0 and every bytecode after
//! an exit the runtime finishes: each entry loads the frame from the VM stack), the
//! frame states every exit carries, and the counters the code advances. `ops.rs`
//! translates the bytecodes.
//!
//! Calling convention (see `run.rs`): the function's arguments are the environment
//! pointer (`Env`) and the entry bytecode index.

use super::Refusal;
use crate::bytecode::props::StackEffect;
use crate::bytecode::{Bytecode, Code, SendSite};
use crate::object::heap::MethodId;
use crate::value::Value;
use som_ir::inst::{BinOp, BlockCall, InstData, IntCC};
use som_ir::{Block, FrameState, Function, StateSlot, Type, Value as V};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Largest method tier 2 compiles (bytecodes), so register allocation stays cheap.
pub(crate) const MAX_BYTECODES: usize = 400;
/// Frame slots (receiver, arguments, locals) of the largest method tier 2 compiles: every
/// IR block and frame state carries each slot, so the IR grows with blocks × slots.
pub(crate) const MAX_SLOTS: usize = 256;

/// What an exit's frame state says besides the frame: how it leaves.
pub(crate) mod exit_kind {
    /// A failed speculation (a guard or an overflow check): counted as a deopt.
    pub const GUARD: u64 = 0;
    /// A path tier 2 leaves to the runtime on purpose (a send, a slow operator).
    pub const SLOW_PATH: u64 = 1;
    /// A guard made to fail by `--deopt-stress`: counted, but not held against it.
    pub const STRESS: u64 = 2;
}

/// Words after the frame's slots in every frame state: the pending clock ticks,
/// bytecodes and back-edges carried in SSA values (`Frame::pend`, raw integers), the
/// clock ticks and bytecodes of the block so far (constants; all five are wrapping
/// deltas the runtime adds), and the exit kind.
pub(crate) const STATE_EXTRA: usize = 6;

/// Integer parameters of every leader block after the frame's words: the pending
/// counts (`Frame::pend`).
pub(crate) const PENDING: usize = 3;

/// Indices into the counters array the code advances (`Env::counters`).
pub(crate) mod counter {
    pub const CLOCK: usize = 0;
    pub const BYTECODES: usize = 1;
    pub const BACK_EDGES: usize = 2;
    /// First `--deopt-stress` budget (one per guard).
    pub const STRESS: usize = 3;
}

/// A built function and what the runtime needs to run it.
pub(crate) struct Built {
    pub func: Function,
    /// Bytecode indices where the code can be entered, ascending.
    pub entries: Vec<u32>,
    /// The initial `--deopt-stress` budget of each guard.
    pub stress: Vec<u64>,
}

/// Options for one compilation.
pub(crate) struct BuildOptions<'a> {
    /// Bytecode indices whose speculation failed too often (compiled without it).
    pub no_speculation: &'a HashSet<u32>,
    /// `--deopt-stress` seed.
    pub stress_seed: Option<u64>,
    /// `--tier2-sends`: compile methods that call out (see `check_calls_out`).
    pub calls_out: bool,
    /// Compile methods without a loop too (see `check_has_loop`): with
    /// `--tier2-sends`, or a tier-2 threshold of 0 (every method at its first call).
    pub loopless: bool,
}

/// The abstract frame while translating one basic block.
#[derive(Clone)]
pub(crate) struct Frame {
    pub slots: Vec<V>,
    pub stack: Vec<V>,
    /// Clock ticks and bytecodes executed in this block and not yet added to `pend`
    /// (negative once a terminator added more than happened before an exit).
    pub clock: i64,
    pub bytecodes: i64,
    /// Clock ticks, bytecodes and back-edges (`counter` order) executed and not yet
    /// added to the counters in memory: integer SSA values carried through the
    /// blocks (leader parameters), stored only at returns and performs (`spill`) and
    /// handed to the runtime by every exit's frame state.
    pub pend: [V; PENDING],
}

pub(crate) struct Builder<'a> {
    pub f: Function,
    pub code: &'a Code,
    pub sites: &'a [SendSite],
    pub method: MethodId,
    pub opts: &'a BuildOptions<'a>,
    pub env: V,
    /// Per leader: its block and operand-stack depth.
    pub leaders: HashMap<u32, (Block, usize)>,
    pub depth: Vec<Option<usize>>,
    pub entries: BTreeSet<u32>,
    pub stress: Vec<u64>,
    /// Words known to be `tag_int` of an int, and booleans known to be `select` of one.
    pub known_int: HashMap<V, V>,
    pub known_bool: HashMap<V, V>,
    /// The block being filled.
    pub cur: Block,
    pub nslots: usize,
}

/// Byte offset of field `i` of `Env`.
macro_rules! env_off {
    ($field:ident) => {
        std::mem::offset_of!($crate::tier2::Env, $field) as i32
    };
}
pub(crate) use env_off;

impl<'a> Builder<'a> {
    /// Builds the IR of `code` (method `method`), or says why not.
    pub(crate) fn build(
        name: &str,
        code: &'a Code,
        sites: &'a [SendSite],
        method: MethodId,
        opts: &'a BuildOptions<'a>,
    ) -> Result<Built, Refusal> {
        let slots = 1 + code.num_args as usize + code.num_locals as usize;
        if code.bytecodes.len() > MAX_BYTECODES || slots > MAX_SLOTS {
            return Err(Refusal::TooLarge);
        }
        if code.num_captured > 0 {
            return Err(Refusal::Unsupported("captured variables".into()));
        }
        let f = Function::new(name, &[Type::Word, Type::Int], Type::Word);
        let env = f.blocks[f.entry()].params[0];
        let cur = f.entry();
        let nslots = 1 + code.num_args as usize + code.num_locals as usize;
        let mut b = Builder {
            f,
            code,
            sites,
            method,
            opts,
            env,
            leaders: HashMap::new(),
            depth: vec![None; code.bytecodes.len()],
            entries: BTreeSet::new(),
            stress: Vec::new(),
            known_int: HashMap::new(),
            known_bool: HashMap::new(),
            cur,
            nslots,
        };
        b.check_supported()?;
        b.compute_depths()?;
        if !opts.calls_out {
            b.check_calls_out()?;
        }
        if !opts.loopless {
            b.check_has_loop()?;
        }
        b.find_leaders();
        b.translate_blocks()?;
        b.emit_entry_dispatch();
        Ok(Built {
            func: b.f,
            entries: b.entries.into_iter().collect(),
            stress: b.stress,
        })
    }

    /// Refuses methods with a bytecode outside the subset.
    fn check_supported(&self) -> Result<(), Refusal> {
        use Bytecode::*;
        for bc in &self.code.bytecodes {
            let ok = !matches!(
                bc,
                PushCaptured(_)
                    | StoreCaptured(_)
                    | PushOuter(..)
                    | StoreOuter(..)
                    | PushCreator(_)
                    | StoreCreator(_)
                    | PushBlock(_)
                    | ReturnNonLocal
                    | NilTest { .. }
            );
            if !ok {
                return Err(Refusal::Unsupported(bc.mnemonic().into()));
            }
        }
        Ok(())
    }

    /// Refuses methods that would call the runtime to run SOM code or a slow operator
    /// on their normal path (`Send`, `SuperSend`, `/`, `\\`, an operator whose site saw
    /// more than small integers): `run::perform` costs a nested dispatch each time,
    /// where tier 1 calls natively, so such a method runs faster in tier 1 until tier
    /// 2 calls compiled code directly. `at:`/`at:put:` perform only off their inline
    /// `Array` path.
    fn check_calls_out(&self) -> Result<(), Refusal> {
        use Bytecode::*;
        for (pc, bc) in self.code.bytecodes.iter().enumerate() {
            if self.depth[pc].is_none() {
                continue;
            }
            let calls_out = match bc {
                Send(_) | SuperSend(_) | Div(_) | Mod(_) => true,
                _ => super::ops::is_operator(*bc) && !self.speculates(pc as u32),
            };
            if calls_out {
                return Err(Refusal::Unsupported(format!(
                    "{} (tier 1 runs calls out faster)",
                    bc.mnemonic()
                )));
            }
        }
        Ok(())
    }

    /// Refuses methods without a reachable loop back-edge: tier 2 runs straight-line
    /// code no faster than tier 1, and tier-1 code calls a tier-2 method through the
    /// dispatcher where it calls a tier-1 method natively.
    fn check_has_loop(&self) -> Result<(), Refusal> {
        use Bytecode::*;
        let has_loop = self.code.bytecodes.iter().enumerate().any(|(pc, bc)| {
            self.depth[pc].is_some()
                && matches!(bc, JumpBack(_) | PopLocalJumpBack(..) | ToDoStep { .. })
        });
        match has_loop {
            true => Ok(()),
            false => Err(Refusal::Unsupported(
                "no loop (tier 1 calls it natively)".into(),
            )),
        }
    }

    /// The operand-stack depth before each reachable bytecode.
    fn compute_depths(&mut self) -> Result<(), Refusal> {
        let mut work = vec![(0u32, 0usize)];
        while let Some((pc, d)) = work.pop() {
            let Some(slot) = self.depth.get_mut(pc as usize) else {
                return Err(Refusal::Unsupported("jump past the end".into()));
            };
            match *slot {
                Some(old) if old == d => continue,
                Some(_) => return Err(Refusal::Unsupported("unbalanced stack".into())),
                None => *slot = Some(d),
            }
            let bc = self.code.bytecodes[pc as usize];
            let props = bc.props();
            let after = match props.stack {
                StackEffect::Fixed { pops, pushes } => {
                    let pops = pops as usize;
                    if d < pops {
                        return Err(Refusal::Unsupported("stack underflow".into()));
                    }
                    d - pops + pushes as usize
                }
                StackEffect::Send => {
                    let site = props.send_site.expect("a send has a site");
                    d - self.sites[site as usize].argc as usize
                }
                StackEffect::Return => continue,
            };
            if let Some((target, _)) = props.jump {
                work.push((target, after));
            }
            if props.falls_through {
                work.push((pc + 1, after));
            }
        }
        Ok(())
    }

    /// Bytecode 0, jump targets, bytecodes after a branch, and entries (after every
    /// bytecode but `at:`/`at:put:` whose slow path the runtime finishes) start blocks.
    fn find_leaders(&mut self) {
        let mut set = BTreeSet::from([0u32]);
        for (pc, bc) in self.code.bytecodes.iter().enumerate() {
            if self.depth[pc].is_none() {
                continue;
            }
            let props = bc.props();
            if let Some((t, _)) = props.jump {
                set.insert(t);
                set.insert(pc as u32 + 1);
            }
            // `at:`/`at:put:` perform off their inline path in place: when even that
            // leaves, the rest of the activation runs in the lower tiers (an entry
            // after them would make every slot a parameter of the loops around them).
            let resumes = super::ops::resumes_after(*bc)
                && !matches!(bc, Bytecode::At(_) | Bytecode::AtPut(_))
                && (props.send_site.is_none()
                    || !super::ops::is_operator(*bc)
                    || !self.speculates(pc as u32));
            if resumes && self.depth.get(pc + 1).is_some_and(|d| d.is_some()) {
                set.insert(pc as u32 + 1);
                self.entries.insert(pc as u32 + 1);
            }
        }
        self.entries.insert(0);
        for pc in set {
            let Some(Some(d)) = self.depth.get(pc as usize).copied() else {
                continue;
            };
            let block = self.f.add_block();
            for _ in 0..self.nslots + d {
                self.f.add_block_param(block, Type::Word);
            }
            for _ in 0..PENDING {
                self.f.add_block_param(block, Type::Int);
            }
            self.leaders.insert(pc, (block, d));
        }
    }

    /// Translates each leader's block up to its terminator.
    fn translate_blocks(&mut self) -> Result<(), Refusal> {
        let mut leaders: Vec<u32> = self.leaders.keys().copied().collect();
        leaders.sort_unstable();
        for pc in leaders {
            let (block, depth) = self.leaders[&pc];
            let params = self.f.blocks[block].params.clone();
            let words = self.nslots + depth;
            let frame = Frame {
                slots: params[..self.nslots].to_vec(),
                stack: params[self.nslots..words].to_vec(),
                clock: 0,
                bytecodes: 0,
                pend: params[words..words + PENDING]
                    .try_into()
                    .expect("leaders have PENDING count parameters"),
            };
            self.cur = block;
            self.known_int.clear();
            self.known_bool.clear();
            let state = self.state(&frame, pc, exit_kind::GUARD);
            self.f.blocks[block].entry_state = Some(state);
            self.translate_from(pc, frame)?;
        }
        Ok(())
    }

    /// The entry block: dispatches on the entry bytecode index to a loader that reads
    /// the frame from the VM stack.
    fn emit_entry_dispatch(&mut self) {
        let entry_block = self.f.entry();
        let entry_arg = self.f.blocks[entry_block].params[1];
        let entries: Vec<u32> = self.entries.iter().copied().collect();
        let mut at = entry_block;
        for (i, &pc) in entries.iter().enumerate() {
            let load = self.f.add_block();
            if i + 1 == entries.len() {
                self.f.append_inst(at, jump(load, vec![]));
            } else {
                let k = self.iconst_in(at, pc as i64);
                let c = self.ins_in(
                    at,
                    InstData::IntCompare {
                        cc: IntCC::Eq,
                        args: [entry_arg, k],
                    },
                );
                let next = self.f.add_block();
                self.f.append_inst(
                    at,
                    InstData::Brif {
                        cond: c,
                        then_dest: BlockCall {
                            block: load,
                            args: vec![],
                        },
                        else_dest: BlockCall {
                            block: next,
                            args: vec![],
                        },
                    },
                );
                at = next;
            }
            let (target, depth) = self.leaders[&pc];
            let slots = self.load_word_in(load, env_off!(slots));
            let mut args = Vec::new();
            for i in 0..self.nslots + depth {
                args.push(self.load_in(load, slots, Type::Word, 8 * i as i32, false));
            }
            // Nothing is pending at an entry: the runtime drained the counters.
            let zero = self.iconst_in(load, 0);
            args.extend([zero; PENDING]);
            self.f.append_inst(load, jump(target, args));
        }
    }

    /// A frame state at `pc` for `frame`, leaving as `kind`.
    pub(crate) fn state(&mut self, frame: &Frame, pc: u32, kind: u64) -> som_ir::FrameStateRef {
        let mut slots: Vec<StateSlot> = frame
            .slots
            .iter()
            .chain(&frame.stack)
            .map(|&v| StateSlot::Value(v))
            .collect();
        slots.extend(frame.pend.iter().map(|&v| StateSlot::Value(v)));
        slots.push(StateSlot::Const(frame.clock as u64));
        slots.push(StateSlot::Const(frame.bytecodes as u64));
        slots.push(StateSlot::Const(kind));
        self.f.add_state(FrameState {
            method: self.method.as_u32(),
            bci: pc,
            slots,
            outer: None,
        })
    }

    /// Adds the block's counts so far (plus `back_edge` loop back-edges) to the
    /// pending SSA counts, as a block does before it jumps to another.
    pub(crate) fn advance(&mut self, frame: &mut Frame, back_edge: bool) {
        let deltas = [frame.clock, frame.bytecodes, back_edge as i64];
        for (p, n) in frame.pend.iter_mut().zip(deltas) {
            if n != 0 {
                let k = self.iconst_in(self.cur, n);
                *p = self.ins_in(
                    self.cur,
                    InstData::Binary {
                        op: BinOp::Iadd,
                        args: [*p, k],
                    },
                );
            }
        }
        frame.clock = 0;
        frame.bytecodes = 0;
    }

    /// Adds everything pending to the counters in memory (before a return or a
    /// perform, where the runtime reads them), so nothing is pending afterwards.
    pub(crate) fn spill(&mut self, frame: &mut Frame) {
        self.advance(frame, false);
        let counters = self.load_word_in(self.cur, env_off!(counters));
        for (index, p) in frame.pend.into_iter().enumerate() {
            if self.f.const_of(p).is_some_and(|(_, bits)| bits == 0) {
                continue;
            }
            let off = 8 * index as i32;
            let old = self.load_in(self.cur, counters, Type::Int, off, false);
            let new = self.ins_in(
                self.cur,
                InstData::Binary {
                    op: BinOp::Iadd,
                    args: [old, p],
                },
            );
            self.f.append_inst(
                self.cur,
                InstData::Store {
                    obj: counters,
                    offset: off,
                    value: new,
                },
            );
        }
        let zero = self.iconst_in(self.cur, 0);
        frame.pend = [zero; PENDING];
    }

    /// The jump to the leader at `pc` with `frame` as its arguments.
    pub(crate) fn goto(&self, pc: u32, frame: &Frame) -> BlockCall {
        let (block, depth) = self.leaders[&pc];
        debug_assert_eq!(depth, frame.stack.len());
        BlockCall {
            block,
            args: frame
                .slots
                .iter()
                .chain(&frame.stack)
                .chain(&frame.pend)
                .copied()
                .collect(),
        }
    }

    pub(crate) fn ins(&mut self, data: InstData) -> V {
        self.ins_in(self.cur, data)
    }

    pub(crate) fn ins_in(&mut self, b: Block, data: InstData) -> V {
        let inst = self.f.append_inst(b, data);
        self.f.first_result(inst)
    }

    pub(crate) fn iconst_in(&mut self, b: Block, n: i64) -> V {
        self.ins_in(
            b,
            InstData::Const {
                ty: Type::Int,
                bits: n as u64,
            },
        )
    }

    pub(crate) fn word(&mut self, w: Value) -> V {
        self.ins(InstData::Const {
            ty: Type::Word,
            bits: w.0,
        })
    }

    pub(crate) fn load_in(&mut self, b: Block, obj: V, ty: Type, offset: i32, ro: bool) -> V {
        self.ins_in(
            b,
            InstData::Load {
                ty,
                obj,
                offset,
                readonly: ro,
            },
        )
    }

    /// A field of the environment (fixed while the code runs).
    pub(crate) fn load_word_in(&mut self, b: Block, offset: i32) -> V {
        let env = self.env;
        self.load_in(b, env, Type::Word, offset, true)
    }
}

pub(crate) fn jump(block: Block, args: Vec<V>) -> InstData {
    InstData::Jump {
        dest: BlockCall { block, args },
    }
}
