//! The verifier: block structure, operand types, branch arity, SSA dominance of every
//! use (frame-state slots included) and frame-state validity (outer chains end, virtual
//! objects exist and do not contain themselves).

use crate::dom::DomTree;
use crate::entities::{Block, FrameStateRef, Inst, Value, VirtualRef};
use crate::function::{Function, StateSlot, ValueDef};
use crate::inst::{GuardKind, InstData, IntCC, UnOp};
use crate::print::inst_text;
use crate::types::Type;
use cranelift_entity::SecondaryMap;

/// The first rule a function breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("verifier: {0}")]
pub struct VerifyError(pub String);

/// Checks every rule; returns the first violation.
pub fn verify(func: &Function) -> Result<(), VerifyError> {
    Verifier::new(func).run().map_err(VerifyError)
}

struct Verifier<'a> {
    f: &'a Function,
    dom: DomTree,
    pos: SecondaryMap<Inst, u32>,
}

impl<'a> Verifier<'a> {
    fn new(f: &'a Function) -> Self {
        let dom = DomTree::compute(f);
        let mut pos = SecondaryMap::new();
        for &b in &f.layout {
            for (i, &inst) in f.blocks[b].insts.iter().enumerate() {
                pos[inst] = i as u32;
            }
        }
        Verifier { f, dom, pos }
    }

    fn run(&self) -> Result<(), String> {
        if self.f.layout.is_empty() {
            return Err("function has no blocks".into());
        }
        for fs in self.f.states.keys() {
            self.check_chain(fs)?;
        }
        for vo in self.f.virtuals.keys() {
            self.check_virtual_acyclic(vo)?;
        }
        for &b in &self.f.layout {
            self.check_block(b)?;
        }
        Ok(())
    }

    fn check_block(&self, b: Block) -> Result<(), String> {
        let insts = &self.f.blocks[b].insts;
        let Some((&last, body)) = insts.split_last() else {
            return Err(format!("{b} is empty"));
        };
        if !self.f.insts[last].is_terminator() {
            return Err(format!("{b} does not end with a terminator"));
        }
        for &i in body {
            if self.f.insts[i].is_terminator() {
                return Err(format!(
                    "{b}: terminator `{}` before the end",
                    inst_text(&self.f.insts[i])
                ));
            }
        }
        for (n, &p) in self.f.blocks[b].params.iter().enumerate() {
            if self.f.values[p].def != ValueDef::Param(b, n as u32) {
                return Err(format!("{b}: parameter {p} is not defined by this block"));
            }
        }
        if let Some(fs) = self.f.blocks[b].entry_state {
            self.check_state_uses(fs, b, None, &format!("{b}'s entry state"))?;
        }
        if !self.dom.is_reachable(b) {
            return Ok(());
        }
        for &i in insts {
            if self.f.inst_block[i] != Some(b) {
                return Err(format!(
                    "{b}: instruction `{}` does not know its block",
                    inst_text(&self.f.insts[i])
                ));
            }
            self.check_inst(b, i)
                .map_err(|e| format!("{b}: `{}`: {e}", self.describe(i)))?;
        }
        Ok(())
    }

    fn describe(&self, i: Inst) -> String {
        match self.f.result(i) {
            Some(v) => format!("{v} = {}", inst_text(&self.f.insts[i])),
            None => inst_text(&self.f.insts[i]),
        }
    }

    fn check_inst(&self, b: Block, i: Inst) -> Result<(), String> {
        let data = &self.f.insts[i];
        for v in data.args() {
            self.check_use(v, b, Some(i))?;
        }
        if let Some(fs) = data.state() {
            self.check_state_uses(fs, b, Some(i), "its frame state")?;
        }
        for call in data.successors() {
            let params = &self.f.blocks[call.block].params;
            if !self.f.layout.contains(&call.block) {
                return Err(format!(
                    "branch to {} which is not in the layout",
                    call.block
                ));
            }
            if params.len() != call.args.len() {
                return Err(format!(
                    "{} takes {} arguments, given {}",
                    call.block,
                    params.len(),
                    call.args.len()
                ));
            }
            for (&p, &a) in params.iter().zip(&call.args) {
                if self.ty(p) != self.ty(a) {
                    return Err(format!(
                        "argument {a} is {} but {p} is {}",
                        self.ty(a),
                        self.ty(p)
                    ));
                }
            }
        }
        self.check_types(data)
    }

    fn ty(&self, v: Value) -> Type {
        self.f.values[v].ty
    }

    fn expect(&self, v: Value, want: Type) -> Result<(), String> {
        match self.ty(v) == want {
            true => Ok(()),
            false => Err(format!("{v} is {} where {want} is required", self.ty(v))),
        }
    }

    fn check_types(&self, data: &InstData) -> Result<(), String> {
        use InstData::*;
        use Type::*;
        match data {
            Binary { op, args } => {
                let t = if op.is_float() { Float } else { Int };
                args.iter().try_for_each(|&a| self.expect(a, t))
            }
            Checked { args, .. } => args.iter().try_for_each(|&a| self.expect(a, Int)),
            IntCompare { cc, args } => {
                let t = self.ty(args[0]);
                self.expect(args[1], t)?;
                match (t, cc) {
                    (Int, _) | (Word, IntCC::Eq | IntCC::Ne) => Ok(()),
                    _ => Err(format!("icmp on {t} supports only int, or eq/ne on word")),
                }
            }
            FloatCompare { args, .. } => args.iter().try_for_each(|&a| self.expect(a, Float)),
            Unary { op, arg } => self.expect(
                *arg,
                match op {
                    UnOp::TagInt | UnOp::IntToFloat | UnOp::BitsWord => Int,
                    UnOp::BoxFloat => Float,
                    UnOp::UntagInt | UnOp::UnboxFloat | UnOp::WordBits => Word,
                },
            ),
            Select { ty, cond, args } => {
                self.expect(*cond, Bool)?;
                args.iter().try_for_each(|&a| self.expect(a, *ty))
            }
            Guard { kind, arg, .. } => self.expect(
                *arg,
                match kind {
                    GuardKind::True | GuardKind::False => Bool,
                    _ => Word,
                },
            ),
            Load { obj, .. } | Store { obj, .. } => self.expect(*obj, Word),
            LoadElem { obj, index, .. } | StoreElem { obj, index, .. } => {
                self.expect(*obj, Word)?;
                self.expect(*index, Int)
            }
            Send { args, .. } if args.is_empty() => Err("a send needs a receiver".into()),
            CallBlock { block, .. } => self.expect(*block, Word),
            Brif { cond, .. } => self.expect(*cond, Bool),
            Return { value } => self.expect(*value, self.f.ret),
            NonLocalReturn { value } => self.expect(*value, Word),
            _ => Ok(()),
        }
        .and_then(|_| match data {
            Send { args, .. } | CallBlock { args, .. } => {
                args.iter().try_for_each(|&a| self.expect(a, Word))
            }
            _ => Ok(()),
        })
    }

    /// `v` must be defined and dominate the use at instruction `at` in block `b`
    /// (`at == None`: at the start of `b`).
    fn check_use(&self, v: Value, b: Block, at: Option<Inst>) -> Result<(), String> {
        let (def_block, def_pos) = match self.f.values.get(v).map(|d| d.def) {
            Some(ValueDef::Param(db, _)) => (db, None),
            Some(ValueDef::Result(di)) => match self.f.inst_block[di] {
                Some(db) => (db, Some(self.pos[di])),
                None => return Err(format!("{v} is defined by a removed instruction")),
            },
            _ => return Err(format!("{v} is not defined")),
        };
        if !self.f.layout.contains(&def_block) {
            return Err(format!(
                "{v} is defined in {def_block}, which is not in the layout"
            ));
        }
        let ok = if def_block == b {
            match (def_pos, at) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(d), Some(u)) => d < self.pos[u],
            }
        } else {
            self.dom.dominates(def_block, b)
        };
        match ok {
            true => Ok(()),
            false => Err(format!("use of {v} is not dominated by its definition")),
        }
    }

    fn check_state_uses(
        &self,
        fs: FrameStateRef,
        b: Block,
        at: Option<Inst>,
        what: &str,
    ) -> Result<(), String> {
        if self.f.states.get(fs).is_none() {
            return Err(format!("{what} {fs} does not exist"));
        }
        if !self.dom.is_reachable(b) {
            return Ok(());
        }
        for v in self.f.state_values(fs) {
            self.check_use(v, b, at)
                .map_err(|e| format!("{what} {fs}: {e}"))?;
        }
        Ok(())
    }

    fn check_chain(&self, fs: FrameStateRef) -> Result<(), String> {
        let mut seen = vec![fs];
        let mut cur = fs;
        while let Some(o) = self.f.states[cur].outer {
            if self.f.states.get(o).is_none() {
                return Err(format!("{cur}'s outer state {o} does not exist"));
            }
            if seen.contains(&o) {
                return Err(format!("frame state chain from {fs} loops at {o}"));
            }
            seen.push(o);
            cur = o;
        }
        for s in &self.f.states[fs].slots {
            if let StateSlot::Virtual(vo) = s {
                if self.f.virtuals.get(*vo).is_none() {
                    return Err(format!("{fs} names {vo}, which does not exist"));
                }
            }
        }
        Ok(())
    }

    fn check_virtual_acyclic(&self, root: VirtualRef) -> Result<(), String> {
        let mut work = vec![(root, 0usize)];
        while let Some((vo, depth)) = work.pop() {
            if depth > self.f.virtuals.len() {
                return Err(format!("virtual object {root} contains itself"));
            }
            let obj = &self.f.virtuals[vo];
            for (off, s) in &obj.fields {
                if *off >= obj.size.max(1) && obj.size != 0 {
                    return Err(format!(
                        "{vo}: field offset {off} is outside its size {}",
                        obj.size
                    ));
                }
                if let StateSlot::Virtual(inner) = s {
                    if self.f.virtuals.get(*inner).is_none() {
                        return Err(format!("{vo} names {inner}, which does not exist"));
                    }
                    work.push((*inner, depth + 1));
                }
            }
        }
        Ok(())
    }
}
