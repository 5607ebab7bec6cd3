//! Translation of a verified IR function into a Cranelift function with
//! cranelift-frontend: blocks in reverse postorder, guards as branches to cold deopt
//! blocks that store the frame state's values into the deopt buffer and return the exit's
//! status, and runtime calls to imported functions named by helper id.

use super::deopt::{DeoptExit, DeoptFrame, DeoptReason, DeoptSlot, DeoptVirtual, ExitStatus};
use super::LowerConfig;
use crate::dom::reverse_postorder;
use crate::entities::{FrameStateRef, Value, VirtualRef};
use crate::function::{Function, StateSlot};
use crate::inst::{BinOp, BlockCall, CheckedOp, FloatCC, GuardKind, InstData, IntCC, UnOp};
use crate::types::{tagging, Type};
use cranelift_codegen::ir::condcodes as cc;
use cranelift_codegen::ir::immediates::Ieee64;
use cranelift_codegen::ir::{
    self as clif, AbiParam, BlockArg, ExtFuncData, ExternalName, FuncRef, InstBuilder,
    MemFlagsData, Signature, UserExternalName, UserExternalNameRef, UserFuncName,
};
use cranelift_codegen::isa::TargetFrontendConfig;
use cranelift_entity::SecondaryMap;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use std::collections::HashMap;

/// A lowered function before code generation.
pub struct Lowered {
    pub func: clif::Function,
    pub deopts: Vec<DeoptExit>,
    pub helper_names: HashMap<UserExternalNameRef, u32>,
}

const I64: clif::Type = clif::types::I64;

fn clif_type(ty: Type) -> clif::Type {
    match ty {
        Type::Word | Type::Int => I64,
        Type::Float => clif::types::F64,
        Type::Bool => clif::types::I8,
    }
}

/// Lowers `ir` (already verified).
pub fn lower(ir: &Function, cfg: &LowerConfig, target: TargetFrontendConfig) -> Lowered {
    let call_conv = target.default_call_conv;
    let mut sig = Signature::new(call_conv);
    sig.params.extend([AbiParam::new(I64), AbiParam::new(I64)]);
    sig.params
        .extend(ir.param_types().iter().map(|_| AbiParam::new(I64)));
    sig.returns.extend([AbiParam::new(I64), AbiParam::new(I64)]);
    let mut func = clif::Function::with_name_signature(UserFuncName::user(0, 0), sig);
    let mut fctx = FunctionBuilderContext::new();
    let (trusted, plain) = (MemFlagsData::trusted(), MemFlagsData::new());
    let b = FunctionBuilder::new(&mut func, &mut fctx);
    let mut e = Emitter {
        ir,
        cfg,
        b,
        trusted,
        plain,
        blocks: SecondaryMap::new(),
        vals: SecondaryMap::new(),
        ctx: None,
        buf: None,
        helpers: HashMap::new(),
        names: HashMap::new(),
        deopts: Vec::new(),
    };
    e.emit();
    let Emitter {
        deopts, names, b, ..
    } = e;
    b.finalize(target);
    Lowered {
        func,
        deopts,
        helper_names: names,
    }
}

struct Emitter<'a, 'f> {
    ir: &'a Function,
    cfg: &'a LowerConfig,
    b: FunctionBuilder<'f>,
    trusted: MemFlagsData,
    plain: MemFlagsData,
    blocks: SecondaryMap<crate::Block, Option<clif::Block>>,
    vals: SecondaryMap<Value, Option<clif::Value>>,
    ctx: Option<clif::Value>,
    buf: Option<clif::Value>,
    helpers: HashMap<(u32, usize, bool), FuncRef>,
    names: HashMap<UserExternalNameRef, u32>,
    deopts: Vec<DeoptExit>,
}

impl Emitter<'_, '_> {
    fn emit(&mut self) {
        let rpo = reverse_postorder(self.ir);
        for &b in &rpo {
            let cb = self.b.create_block();
            for &p in &self.ir.blocks[b].params {
                self.vals[p] = Some(
                    self.b
                        .append_block_param(cb, clif_type(self.ir.values[p].ty)),
                );
            }
            self.blocks[b] = Some(cb);
        }
        let prologue = self.b.create_block();
        self.b.append_block_params_for_function_params(prologue);
        self.b.switch_to_block(prologue);
        let params = self.b.block_params(prologue).to_vec();
        self.ctx = Some(params[0]);
        self.buf = Some(params[1]);
        let entry = self.ir.entry();
        let args: Vec<BlockArg> = params[2..]
            .iter()
            .zip(self.ir.param_types())
            .map(|(&v, ty)| BlockArg::Value(self.narrow(v, ty)))
            .collect();
        self.b.ins().jump(self.blocks[entry].unwrap(), &args);
        for &b in &rpo {
            self.b.switch_to_block(self.blocks[b].unwrap());
            for &inst in &self.ir.blocks[b].insts {
                self.inst(inst);
            }
        }
        self.b.seal_all_blocks();
    }

    fn v(&self, v: Value) -> clif::Value {
        self.vals[v].expect("verified IR defines values before uses")
    }

    fn iconst(&mut self, n: i64) -> clif::Value {
        self.b.ins().iconst(I64, n)
    }

    fn widen(&mut self, v: clif::Value, ty: Type) -> clif::Value {
        match ty {
            Type::Word | Type::Int => v,
            Type::Float => self.b.ins().bitcast(I64, self.plain, v),
            Type::Bool => self.b.ins().uextend(I64, v),
        }
    }

    fn narrow(&mut self, v: clif::Value, ty: Type) -> clif::Value {
        match ty {
            Type::Word | Type::Int => v,
            Type::Float => self.b.ins().bitcast(clif::types::F64, self.plain, v),
            Type::Bool => self.b.ins().ireduce(clif::types::I8, v),
        }
    }

    /// Calls helper `id` with the context and `args` (IR values converted to i64).
    fn call_helper(&mut self, id: u32, args: &[clif::Value], ret: bool) -> Option<clif::Value> {
        let key = (id, args.len(), ret);
        let fref = match self.helpers.get(&key) {
            Some(&f) => f,
            None => {
                let mut sig = Signature::new(self.b.func.signature.call_conv);
                sig.params
                    .extend((0..=args.len()).map(|_| AbiParam::new(I64)));
                if ret {
                    sig.returns.push(AbiParam::new(I64));
                }
                let sig = self.b.import_signature(sig);
                let name = self
                    .b
                    .func
                    .declare_imported_user_function(UserExternalName::new(1, id));
                self.names.insert(name, id);
                let f = self.b.import_function(ExtFuncData {
                    name: ExternalName::user(name),
                    signature: sig,
                    colocated: false,
                    patchable: false,
                });
                self.helpers.insert(key, f);
                f
            }
        };
        let mut all = vec![self.ctx.unwrap()];
        all.extend_from_slice(args);
        let call = self.b.ins().call(fref, &all);
        self.b.inst_results(call).first().copied()
    }

    fn ir_args_i64(&mut self, vs: &[Value]) -> Vec<clif::Value> {
        vs.iter()
            .map(|&v| {
                let cv = self.v(v);
                self.widen(cv, self.ir.values[v].ty)
            })
            .collect()
    }

    fn block_call(&self, c: &BlockCall) -> (clif::Block, Vec<BlockArg>) {
        (
            self.blocks[c.block].unwrap(),
            c.args.iter().map(|&a| BlockArg::Value(self.v(a))).collect(),
        )
    }

    /// Continues in a new block when `ok` is non-zero; otherwise leaves through a cold
    /// deopt exit for `fs`.
    fn guard(
        &mut self,
        ok: clif::Value,
        fs: FrameStateRef,
        reason: DeoptReason,
        result: Option<clif::Value>,
    ) {
        let cont = self.b.create_block();
        let cold = self.b.create_block();
        self.b.set_cold_block(cold);
        self.b.ins().brif(ok, cont, &[], cold, &[]);
        self.b.switch_to_block(cold);
        self.deopt_exit(fs, reason, result);
        self.b.switch_to_block(cont);
    }

    fn inst(&mut self, inst: crate::Inst) {
        use InstData::*;
        let data = &self.ir.insts[inst];
        let result: Option<clif::Value> = match data {
            Const { ty, bits } => Some(match ty {
                Type::Float => self.b.ins().f64const(Ieee64::with_bits(*bits)),
                Type::Bool => self.b.ins().iconst(clif::types::I8, *bits as i64),
                _ => self.iconst(*bits as i64),
            }),
            Binary { op, args } => Some(self.binary(*op, self.v(args[0]), self.v(args[1]))),
            Checked { op, args, state } => {
                Some(self.checked(*op, self.v(args[0]), self.v(args[1]), *state))
            }
            IntCompare { cc, args } => {
                let (x, y) = (self.v(args[0]), self.v(args[1]));
                Some(self.b.ins().icmp(int_cc(*cc), x, y))
            }
            FloatCompare { cc, args } => {
                let (x, y) = (self.v(args[0]), self.v(args[1]));
                Some(self.b.ins().fcmp(float_cc(*cc), x, y))
            }
            Unary { op, arg } => Some(self.unary(*op, self.v(*arg))),
            Select { cond, args, .. } => {
                let (c, x, y) = (self.v(*cond), self.v(args[0]), self.v(args[1]));
                Some(self.b.ins().select(c, x, y))
            }
            Guard { kind, arg, state } => {
                self.guard_kind(*kind, self.v(*arg), *state);
                None
            }
            Load {
                ty, obj, offset, ..
            } => {
                let o = self.v(*obj);
                Some(self.b.ins().load(clif_type(*ty), self.trusted, o, *offset))
            }
            Store { obj, offset, value } => {
                let (x, o) = (self.v(*value), self.v(*obj));
                self.b.ins().store(self.trusted, x, o, *offset);
                None
            }
            LoadElem {
                ty,
                obj,
                index,
                base,
            } => {
                let addr = self.elem_addr(*obj, *index);
                Some(self.b.ins().load(clif_type(*ty), self.trusted, addr, *base))
            }
            StoreElem {
                obj,
                index,
                base,
                value,
            } => {
                let addr = self.elem_addr(*obj, *index);
                let x = self.v(*value);
                self.b.ins().store(self.trusted, x, addr, *base);
                None
            }
            Alloc { class, size } => {
                let args = [self.iconst(*class as i64), self.iconst(*size as i64)];
                self.call_helper(self.cfg.alloc_helper, &args, true)
            }
            CallRuntime { helper, args, ret } => {
                let a = self.ir_args_i64(args);
                let r = self.call_helper(*helper, &a, ret.is_some());
                r.map(|r| self.narrow(r, ret.unwrap()))
            }
            Send { site, args, state } => {
                let mut a = vec![self.iconst(*site as i64)];
                a.extend(self.ir_args_i64(args));
                Some(self.call_then_check(self.cfg.send_helper, &a, *state))
            }
            CallBlock { block, args, state } => {
                let mut a = vec![self.v(*block)];
                a.extend(self.ir_args_i64(args));
                Some(self.call_then_check(self.cfg.block_helper, &a, *state))
            }
            Jump { dest } => {
                let (b, args) = self.block_call(dest);
                self.b.ins().jump(b, &args);
                None
            }
            Brif {
                cond,
                then_dest,
                else_dest,
            } => {
                let (t, ta) = self.block_call(then_dest);
                let (e, ea) = self.block_call(else_dest);
                let c = self.v(*cond);
                self.b.ins().brif(c, t, &ta, e, &ea);
                None
            }
            Return { value } | NonLocalReturn { value } => {
                let status = if matches!(data, Return { .. }) {
                    ExitStatus::RETURN
                } else {
                    ExitStatus::NON_LOCAL_RETURN
                };
                let v = self.v(*value);
                let v = self.widen(v, self.ir.values[*value].ty);
                let s = self.iconst(status as i64);
                self.b.ins().return_(&[v, s]);
                None
            }
            Deopt { state } => {
                self.deopt_exit(*state, DeoptReason::Unconditional, None);
                None
            }
        };
        if let (Some(v), Some(r)) = (self.ir.result(inst), result) {
            self.vals[v] = Some(r);
        }
    }

    fn binary(&mut self, op: BinOp, a: clif::Value, b: clif::Value) -> clif::Value {
        let ins = self.b.ins();
        match op {
            BinOp::Iadd => ins.iadd(a, b),
            BinOp::Isub => ins.isub(a, b),
            BinOp::Imul => ins.imul(a, b),
            BinOp::Iand => ins.band(a, b),
            BinOp::Ior => ins.bor(a, b),
            BinOp::Ixor => ins.bxor(a, b),
            BinOp::Isar => ins.sshr(a, b),
            BinOp::Fadd => ins.fadd(a, b),
            BinOp::Fsub => ins.fsub(a, b),
            BinOp::Fmul => ins.fmul(a, b),
            BinOp::Fdiv => ins.fdiv(a, b),
        }
    }

    /// 63-bit overflow: the operation on the shifted-left operands overflows 64 bits.
    fn checked(
        &mut self,
        op: CheckedOp,
        a: clif::Value,
        b: clif::Value,
        fs: FrameStateRef,
    ) -> clif::Value {
        let sh = tagging::INT_SHIFT as i64;
        let a2 = self.b.ins().ishl_imm_s(a, sh);
        let (r2, of) = match op {
            CheckedOp::Iadd => {
                let b2 = self.b.ins().ishl_imm_s(b, sh);
                self.b.ins().sadd_overflow(a2, b2)
            }
            CheckedOp::Isub => {
                let b2 = self.b.ins().ishl_imm_s(b, sh);
                self.b.ins().ssub_overflow(a2, b2)
            }
            CheckedOp::Imul => self.b.ins().smul_overflow(a2, b),
        };
        let ok = self.b.ins().icmp_imm_s(cc::IntCC::Equal, of, 0);
        self.guard(ok, fs, DeoptReason::Overflow, None);
        self.b.ins().sshr_imm_s(r2, sh)
    }

    fn unary(&mut self, op: UnOp, x: clif::Value) -> clif::Value {
        let sh = tagging::INT_SHIFT as i64;
        match op {
            UnOp::TagInt => {
                let t = self.b.ins().ishl_imm_s(x, sh);
                self.b.ins().bor_imm_s(t, tagging::INT_TAG as i64)
            }
            UnOp::UntagInt => self.b.ins().sshr_imm_s(x, sh),
            UnOp::WordBits | UnOp::BitsWord => x,
            UnOp::IntToFloat => self.b.ins().fcvt_from_sint(clif::types::F64, x),
            UnOp::BoxFloat => {
                let bits = self.widen(x, Type::Float);
                self.call_helper(self.cfg.box_float_helper, &[bits], true)
                    .unwrap()
            }
            UnOp::UnboxFloat => {
                let bits = self
                    .call_helper(self.cfg.unbox_float_helper, &[x], true)
                    .unwrap();
                self.narrow(bits, Type::Float)
            }
        }
    }

    fn tag_is(&mut self, w: clif::Value, mask: u64, tag: u64) -> clif::Value {
        let t = self.b.ins().band_imm_s(w, mask as i64);
        self.b.ins().icmp_imm_s(cc::IntCC::Equal, t, tag as i64)
    }

    fn guard_kind(&mut self, kind: GuardKind, v: clif::Value, fs: FrameStateRef) {
        match kind {
            GuardKind::Int => {
                let ok = self.tag_is(v, tagging::INT_MASK, tagging::INT_TAG);
                self.guard(ok, fs, DeoptReason::NotInt, None);
            }
            GuardKind::Float => {
                let ok = self.tag_is(v, tagging::LOW2_MASK, tagging::FLOAT_TAG);
                self.guard(ok, fs, DeoptReason::NotFloat, None);
            }
            GuardKind::Class { class, offset } => {
                let is_ref = self.tag_is(v, tagging::LOW2_MASK, tagging::REF_TAG);
                self.guard(is_ref, fs, DeoptReason::WrongClass, None);
                let cls = self.b.ins().load(I64, self.trusted, v, offset);
                let want = self.iconst(class as i64);
                let ok = self.b.ins().icmp(cc::IntCC::Equal, cls, want);
                self.guard(ok, fs, DeoptReason::WrongClass, None);
            }
            GuardKind::True => self.guard(v, fs, DeoptReason::Condition, None),
            GuardKind::False => {
                let ok = self.b.ins().icmp_imm_s(cc::IntCC::Equal, v, 0);
                self.guard(ok, fs, DeoptReason::Condition, None);
            }
        }
    }

    fn elem_addr(&mut self, obj: Value, index: Value) -> clif::Value {
        let (o, i) = (self.v(obj), self.v(index));
        let off = self.b.ins().ishl_imm_s(i, 3);
        self.b.ins().iadd(o, off)
    }

    fn call_then_check(
        &mut self,
        helper: u32,
        args: &[clif::Value],
        fs: FrameStateRef,
    ) -> clif::Value {
        let r = self.call_helper(helper, args, true).unwrap();
        let flag = self.b.ins().load(
            I64,
            self.trusted,
            self.ctx.unwrap(),
            self.cfg.invalidated_offset,
        );
        let ok = self.b.ins().icmp_imm_s(cc::IntCC::Equal, flag, 0);
        self.guard(ok, fs, DeoptReason::AfterCall, Some(r));
        r
    }

    /// Stores the frame state's values into the deopt buffer and returns the exit status.
    fn deopt_exit(&mut self, fs: FrameStateRef, reason: DeoptReason, result: Option<clif::Value>) {
        let id = self.deopts.len() as u32;
        let values = self.ir.state_values(fs);
        let buf = self.buf.unwrap();
        for (k, &v) in values.iter().enumerate() {
            let cv = self.v(v);
            let cv = if self.ir.values[v].ty == Type::Bool {
                self.b.ins().uextend(I64, cv)
            } else {
                cv
            };
            self.b.ins().store(self.trusted, cv, buf, (k * 8) as i32);
        }
        let mut buffer_types: Vec<Type> = values.iter().map(|&v| self.ir.values[v].ty).collect();
        let call_result = result.map(|r| {
            self.b
                .ins()
                .store(self.trusted, r, buf, (values.len() * 8) as i32);
            buffer_types.push(Type::Word);
            values.len() as u32
        });
        let mut table = TableBuilder {
            ir: self.ir,
            values: &values,
            virtuals: Vec::new(),
            vmap: HashMap::new(),
        };
        let frames = self
            .ir
            .state_chain(fs)
            .iter()
            .map(|&s| table.frame(s))
            .collect();
        self.deopts.push(DeoptExit {
            id,
            reason,
            frames,
            virtuals: table.virtuals,
            buffer_types,
            call_result,
        });
        let zero = self.iconst(0);
        let status = self.iconst(ExitStatus::deopt_word(id) as i64);
        self.b.ins().return_(&[zero, status]);
    }
}

/// Builds one exit's frames and virtual objects from a frame-state chain.
struct TableBuilder<'a> {
    ir: &'a Function,
    values: &'a [Value],
    virtuals: Vec<DeoptVirtual>,
    vmap: HashMap<VirtualRef, u32>,
}

impl TableBuilder<'_> {
    fn frame(&mut self, fs: FrameStateRef) -> DeoptFrame {
        let st = &self.ir.states[fs];
        DeoptFrame {
            method: st.method,
            bci: st.bci,
            slots: st.slots.iter().map(|&s| self.slot(s)).collect(),
        }
    }

    fn slot(&mut self, s: StateSlot) -> DeoptSlot {
        match s {
            StateSlot::Value(v) => {
                DeoptSlot::Buffer(self.values.iter().position(|&x| x == v).unwrap() as u32)
            }
            StateSlot::Const(c) => DeoptSlot::Const(c),
            StateSlot::Virtual(vo) => {
                if let Some(&n) = self.vmap.get(&vo) {
                    return DeoptSlot::Virtual(n);
                }
                let n = self.virtuals.len() as u32;
                self.vmap.insert(vo, n);
                let obj = &self.ir.virtuals[vo];
                self.virtuals.push(DeoptVirtual {
                    class: obj.class,
                    size: obj.size,
                    fields: vec![],
                });
                let fields = obj.fields.iter().map(|&(o, f)| (o, self.slot(f))).collect();
                self.virtuals[n as usize].fields = fields;
                DeoptSlot::Virtual(n)
            }
        }
    }
}

fn int_cc(c: IntCC) -> cc::IntCC {
    match c {
        IntCC::Eq => cc::IntCC::Equal,
        IntCC::Ne => cc::IntCC::NotEqual,
        IntCC::Lt => cc::IntCC::SignedLessThan,
        IntCC::Le => cc::IntCC::SignedLessThanOrEqual,
        IntCC::Gt => cc::IntCC::SignedGreaterThan,
        IntCC::Ge => cc::IntCC::SignedGreaterThanOrEqual,
        IntCC::Ult => cc::IntCC::UnsignedLessThan,
    }
}

fn float_cc(c: FloatCC) -> cc::FloatCC {
    match c {
        FloatCC::Eq => cc::FloatCC::Equal,
        FloatCC::Ne => cc::FloatCC::NotEqual,
        FloatCC::Lt => cc::FloatCC::LessThan,
        FloatCC::Le => cc::FloatCC::LessThanOrEqual,
        FloatCC::Gt => cc::FloatCC::GreaterThan,
        FloatCC::Ge => cc::FloatCC::GreaterThanOrEqual,
    }
}
