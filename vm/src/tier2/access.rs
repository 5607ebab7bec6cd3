//! Tier-2 code that works on the VM's memory: fields of the receiver read and written
//! in machine code through `object::layout` (as tier 1 does, with the runtime helper
//! as the fallback), and bytecodes that may run SOM code (sends, `at:`, `/`, ...),
//! performed in place by `run::perform` after the frame is written back.

use super::build::{env_off, Builder, Frame};
use super::helper;
use crate::bytecode::props::StackEffect;
use crate::bytecode::Bytecode;
use som_ir::inst::{BinOp, BlockCall, InstData, IntCC, UnOp};
use som_ir::{Type, Value as V};

impl Builder<'_> {
    /// A send (or `at:`, `/`, ...) at `pc`, performed in place by `run::perform`: the
    /// pending counts and the whole frame go to the VM first (so the GC, backtraces
    /// and the callee see what tier 0 would have there), then the result replaces
    /// the bytecode's operands. `perform` counts the bytecode and its clock tick.
    pub(super) fn perform(&mut self, fr: &mut Frame, pc: u32, bc: Bytecode) {
        self.spill(fr);
        let slots = self.load_word_in(self.cur, env_off!(slots));
        let values: Vec<V> = fr.slots.iter().chain(&fr.stack).copied().collect();
        for (i, &value) in values.iter().enumerate() {
            self.f.append_inst(
                self.cur,
                InstData::Store {
                    obj: slots,
                    offset: 8 * i as i32,
                    value,
                },
            );
        }
        let len = self.iconst_in(self.cur, values.len() as i64);
        let at = self.iconst_in(self.cur, pc as i64);
        let v = self.call(helper::PERFORM, vec![len, at]);
        self.leave_if_failed(fr, pc);
        let pops = match bc.props().stack {
            StackEffect::Send => {
                let site = bc.props().send_site.expect("a send has a site");
                self.sites[site as usize].argc as usize + 1
            }
            StackEffect::Fixed { pops, .. } => pops as usize,
            StackEffect::Return => unreachable!("not a bytecode perform runs"),
        };
        fr.stack.truncate(fr.stack.len() - pops);
        fr.stack.push(v);
        // `translate` counts one bytecode more for every bytecode: this one was counted.
        fr.bytecodes -= 1;
    }

    /// `PushField`: the field in machine code when the receiver is an instance with
    /// field `i` (as tier 1 reads it, through `object::layout`), otherwise the helper.
    pub(super) fn field_get(&mut self, fr: &Frame, pc: u32, i: u16) -> V {
        let (fast, slow, join) = (self.f.add_block(), self.f.add_block(), self.f.add_block());
        let result = self.f.add_block_param(join, Type::Word);
        let fields = self.instance_fields(i, fast, slow);
        self.cur = fast;
        let v = self.load_in(fast, fields, Type::Word, 8 * i as i32, false);
        self.f.append_inst(fast, super::build::jump(join, vec![v]));
        self.cur = slow;
        let k = self.iconst_in(slow, i as i64);
        let v = self.call(helper::FIELD_GET, vec![k]);
        self.leave_if_failed(fr, pc);
        self.f
            .append_inst(self.cur, super::build::jump(join, vec![v]));
        self.cur = join;
        result
    }

    /// `StoreField`/`PopField`: as `field_get`, a store in machine code or the helper.
    pub(super) fn field_set(&mut self, fr: &Frame, pc: u32, i: u16, v: V) {
        let (fast, slow, join) = (self.f.add_block(), self.f.add_block(), self.f.add_block());
        let fields = self.instance_fields(i, fast, slow);
        self.f.append_inst(
            fast,
            InstData::Store {
                obj: fields,
                offset: 8 * i as i32,
                value: v,
            },
        );
        self.f.append_inst(fast, super::build::jump(join, vec![]));
        self.cur = slow;
        let k = self.iconst_in(slow, i as i64);
        self.call(helper::FIELD_SET, vec![k, v]);
        self.leave_if_failed(fr, pc);
        self.f
            .append_inst(self.cur, super::build::jump(join, vec![]));
        self.cur = join;
    }

    /// Branches to `fast` when the receiver is an instance (`Body::Instance`) with more
    /// than `i` fields, else to `slow`; answers its field pointer (valid in `fast`).
    /// An instance's tag, field count and field pointer never change, so the loads are
    /// readonly (GVN shares them between accesses).
    fn instance_fields(&mut self, i: u16, fast: som_ir::Block, slow: som_ir::Block) -> V {
        let l = crate::object::layout::BODY;
        let recv = self.load_word_in(self.cur, env_off!(self_value));
        let addr = self.f.add_block();
        let obj = self.object_address(recv, addr, slow);
        let check = self.f.add_block();
        let is_instance = self.has_tag(obj, l.instance_tag);
        self.f.append_inst(addr, brif(is_instance, check, slow));
        self.cur = check;
        let len = self.load_in(check, obj, Type::Int, l.fields_len, true);
        let k = self.iconst_in(check, i as i64);
        let in_range = self.ins(InstData::IntCompare {
            cc: IntCC::Ult,
            args: [k, len],
        });
        let fields = self.load_in(check, obj, Type::Word, l.fields_ptr, true);
        self.f.append_inst(check, brif(in_range, fast, slow));
        fields
    }

    /// The address of the heap `Object` a reference `w` names (as a word for `load`),
    /// computed in a new block `addr` (the current one afterwards) when `w` is a
    /// reference; branches to `slow` otherwise.
    fn object_address(&mut self, w: V, addr: som_ir::Block, slow: som_ir::Block) -> V {
        let object_size = std::mem::size_of::<crate::object::heap::Object>() as i64;
        let bits = self.ins(InstData::Unary {
            op: UnOp::WordBits,
            arg: w,
        });
        let low = self.low_bits(bits, 3);
        let zero = self.iconst_in(self.cur, 0);
        let is_ref = self.ins(InstData::IntCompare {
            cc: IntCC::Eq,
            args: [low, zero],
        });
        self.f.append_inst(self.cur, brif(is_ref, addr, slow));
        self.cur = addr;
        let two = self.iconst_in(addr, 2);
        let index = self.ins(InstData::Binary {
            op: BinOp::Isar,
            args: [bits, two],
        });
        let size = self.iconst_in(addr, object_size);
        let offset = self.ins(InstData::Binary {
            op: BinOp::Imul,
            args: [index, size],
        });
        let env = self.env;
        let table = self.load_in(addr, env, Type::Int, env_off!(objects), true);
        let at = self.ins(InstData::Binary {
            op: BinOp::Iadd,
            args: [table, offset],
        });
        self.ins(InstData::Unary {
            op: UnOp::BitsWord,
            arg: at,
        })
    }

    /// `bits & mask`.
    fn low_bits(&mut self, bits: V, mask: i64) -> V {
        let m = self.iconst_in(self.cur, mask);
        self.ins(InstData::Binary {
            op: BinOp::Iand,
            args: [bits, m],
        })
    }

    /// Whether the body of the object at `obj` has tag `tag` (a byte: the word
    /// loaded holds it in its low byte; a body never changes its kind).
    fn has_tag(&mut self, obj: V, tag: u8) -> V {
        let word = self.load_in(
            self.cur,
            obj,
            Type::Int,
            crate::object::layout::BODY.tag,
            true,
        );
        let t = self.low_bits(word, 0xff);
        let want = self.iconst_in(self.cur, tag as i64);
        self.ins(InstData::IntCompare {
            cc: IntCC::Eq,
            args: [t, want],
        })
    }

    /// `At`/`AtPut`: an `Array` (while its primitives are standard: `Env::array_class`)
    /// with a small-integer index within it is read or written in machine code, as
    /// tier 1 does (`Vm::array_at`'s test); anything else is performed.
    pub(super) fn array_access(&mut self, fr: &mut Frame, pc: u32, bc: Bytecode) {
        let l = crate::object::layout::BODY;
        let put = matches!(bc, Bytecode::AtPut(_));
        let n = fr.stack.len();
        let (array, index) = if put {
            (fr.stack[n - 3], fr.stack[n - 2])
        } else {
            (fr.stack[n - 2], fr.stack[n - 1])
        };
        // The fast path adds the bytecode to the pending counts, `perform` counts it
        // itself: the join takes the pending counts of either path.
        self.advance(fr, false);
        let (slow, join) = (self.f.add_block(), self.f.add_block());
        let result = self.f.add_block_param(join, Type::Word);
        let pend = [(); super::build::PENDING].map(|_| self.f.add_block_param(join, Type::Int));
        let (addr, class_ok, tag_ok, range) = (
            self.f.add_block(),
            self.f.add_block(),
            self.f.add_block(),
            self.f.add_block(),
        );
        let ibits = self.ins(InstData::Unary {
            op: UnOp::WordBits,
            arg: index,
        });
        let low = self.low_bits(ibits, 1);
        let one = self.iconst_in(self.cur, 1);
        let is_int = self.ins(InstData::IntCompare {
            cc: IntCC::Eq,
            args: [low, one],
        });
        let check_ref = self.f.add_block();
        self.f.append_inst(self.cur, brif(is_int, check_ref, slow));
        self.cur = check_ref;
        let obj = self.object_address(array, addr, slow);
        let class = self.load_in(addr, obj, Type::Int, crate::native::abi::OBJECT_CLASS, true);
        let env = self.env;
        // Not readonly: `run::perform` updates it after the code it ran.
        let want = self.load_in(addr, env, Type::Int, env_off!(array_class), false);
        let same = self.ins(InstData::IntCompare {
            cc: IntCC::Eq,
            args: [class, want],
        });
        self.f.append_inst(addr, brif(same, class_ok, slow));
        self.cur = class_ok;
        let is_array = self.has_tag(obj, l.array_tag);
        self.f.append_inst(class_ok, brif(is_array, tag_ok, slow));
        self.cur = tag_ok;
        let i = self.ins(InstData::Unary {
            op: UnOp::UntagInt,
            arg: index,
        });
        let one = self.iconst_in(tag_ok, 1);
        let i0 = self.ins(InstData::Binary {
            op: BinOp::Isub,
            args: [i, one],
        });
        let len = self.load_in(tag_ok, obj, Type::Int, l.items_len, true);
        let in_range = self.ins(InstData::IntCompare {
            cc: IntCC::Ult,
            args: [i0, len],
        });
        let items = self.load_in(tag_ok, obj, Type::Word, l.items_ptr, true);
        self.f.append_inst(tag_ok, brif(in_range, range, slow));
        self.cur = range;
        let mut counts = Frame {
            slots: Vec::new(),
            stack: Vec::new(),
            clock: 1,
            bytecodes: 1,
            pend: fr.pend,
        };
        self.advance(&mut counts, false);
        let v = if put {
            let value = fr.stack[n - 1];
            self.f.append_inst(
                range,
                InstData::StoreElem {
                    obj: items,
                    index: i0,
                    base: 0,
                    value,
                },
            );
            array
        } else {
            self.ins(InstData::LoadElem {
                ty: Type::Word,
                obj: items,
                index: i0,
                base: 0,
            })
        };
        let mut args = vec![v];
        args.extend(counts.pend);
        self.f.append_inst(self.cur, super::build::jump(join, args));
        self.cur = slow;
        let mut slow_frame = fr.clone();
        self.perform(&mut slow_frame, pc, bc);
        let mut args = vec![*slow_frame.stack.last().expect("the result")];
        args.extend(slow_frame.pend);
        self.f.append_inst(self.cur, super::build::jump(join, args));
        self.cur = join;
        fr.pend = pend;
        fr.stack.truncate(n - if put { 3 } else { 2 });
        fr.stack.push(result);
        // `translate` counts one bytecode more for every bytecode: both paths did.
        fr.bytecodes -= 1;
    }
}

/// `brif cond, then, else` without block arguments.
fn brif(cond: V, then: som_ir::Block, other: som_ir::Block) -> InstData {
    InstData::Brif {
        cond,
        then_dest: BlockCall {
            block: then,
            args: vec![],
        },
        else_dest: BlockCall {
            block: other,
            args: vec![],
        },
    }
}
