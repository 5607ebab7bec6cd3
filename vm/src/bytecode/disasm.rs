//! The disassembler: prints a method's bytecode with bytecode indices, source lines,
//! operands and what they denote (literals, variable names, selectors, jump targets),
//! followed by its nested blocks and inlining fallbacks. Golden tests compare its output.

use crate::bytecode::{Bytecode, Code, MethodKind, VarAccess};
use crate::object::heap::{Body, MethodId};
use crate::runtime::vm::Vm;
use crate::value::Value;
use std::fmt::Write;

impl Vm {
    /// A short printable form of a literal value.
    pub(crate) fn describe(&self, v: Value) -> String {
        if v.is_int() {
            return v.as_int().to_string();
        }
        if v.is_double() {
            return format!("{:?}", v.as_double());
        }
        match &self.heap.get(v).body {
            Body::String(s) => format!("{:?}", s.text),
            Body::Symbol(id) => format!("#{}", self.symbol_text(*id)),
            Body::Double(d) => format!("{d:?}"),
            Body::BigInt(b) => b.to_string(),
            Body::Array(items) => {
                let parts: Vec<String> = items.iter().map(|&i| self.describe(i)).collect();
                format!("#({})", parts.join(" "))
            }
            Body::Class(c) => self.symbol_text(c.name).to_string(),
            _ if v.is_nil() => "nil".into(),
            _ => self.a_class_name(v),
        }
    }

    /// The listing of one method and everything nested in it.
    pub(crate) fn disassemble(&self, m: MethodId) -> String {
        let mut out = String::new();
        self.disassemble_into(m, &mut out, 0);
        out
    }

    fn disassemble_into(&self, m: MethodId, out: &mut String, depth: usize) {
        let method = &self.methods[m.index()];
        let indent = "  ".repeat(depth);
        let code = match &method.kind {
            MethodKind::Bytecode(code) | MethodKind::Trivial(_, code) => code,
            MethodKind::Primitive(_) | MethodKind::BlockValue => {
                let _ = writeln!(out, "{indent}{} = primitive", self.method_name(m));
                return;
            }
            MethodKind::MissingPrimitive => {
                let _ = writeln!(out, "{indent}{} = primitive (missing)", self.method_name(m));
                return;
            }
        };
        let _ = writeln!(
            out,
            "{indent}{} ({}:{}) args {} locals {} captured {}",
            self.method_name(m),
            method.file,
            method.line,
            code.num_args,
            code.num_locals,
            code.num_captured
        );
        for (i, bc) in code.bytecodes.iter().enumerate() {
            let operands = self.operands(code, bc);
            let _ = writeln!(
                out,
                "{indent}  {i:4}  L{:<4} {:<16}{operands}",
                code.lines[i],
                bc.mnemonic()
            );
        }
        for (i, f) in code.fallbacks.iter().enumerate() {
            let _ = writeln!(
                out,
                "{indent}  fallback {i}: #{} {:?} resume {}",
                self.symbol_text(f.selector),
                f.kind,
                f.resume
            );
            for &b in &f.blocks {
                self.disassemble_into(b, out, depth + 2);
            }
        }
        for &b in &code.blocks {
            self.disassemble_into(b, out, depth + 1);
        }
    }

    fn slot_name(code: &Code, s: u16) -> &str {
        code.slot_names.get(s as usize).map_or("?", |n| n.as_str())
    }

    pub(crate) fn operands(&self, code: &Code, bc: &Bytecode) -> String {
        use Bytecode::*;
        match *bc {
            PushInt(i) => i.to_string(),
            PushLiteral(l) => format!("{l} ; {}", self.describe(code.literals[l as usize])),
            PushLocal(s) | StoreLocal(s) | PopLocal(s) => {
                format!("{s} ; {}", Self::slot_name(code, s))
            }
            PushLocal2(a, b) => format!(
                "{a} {b} ; {} {}",
                Self::slot_name(code, a),
                Self::slot_name(code, b)
            ),
            PushLocalInt(a, i) => format!("{a} {i} ; {}", Self::slot_name(code, a)),
            PushField2(a, b) => format!("{a} {b}"),
            PopLocalJumpBack(s, t) => {
                format!("{s} -> {} ; {}", t.index(), Self::slot_name(code, s))
            }
            PushCaptured(s) | StoreCaptured(s) => s.to_string(),
            PushOuter(h, s) | StoreOuter(h, s) => format!("{h} {s}"),
            PushCreator(k) | StoreCreator(k) => {
                let access = code.creator_vars[k as usize];
                let what = match access {
                    VarAccess::Local(s) => format!("local {s}"),
                    VarAccess::Captured(s) => format!("captured {s}"),
                    VarAccess::Outer(h, s) => format!("outer {h} {s}"),
                    VarAccess::Creator(k) => format!("creator {k}"),
                };
                format!("{k} ; {what}")
            }
            PushField(i) | StoreField(i) | PopField(i) => i.to_string(),
            PushGlobal(g) => {
                format!("#{}", self.symbol_text(self.global_names[g as usize]))
            }
            PushBlock(i) => format!("{i} ; {}", self.method_name(code.blocks[i as usize])),
            Send(s) | SuperSend(s) | Add(s) | Sub(s) | Mul(s) | Lt(s) | Gt(s) | Le(s) | Ge(s)
            | Eq(s) | Ne(s) | Div(s) | Mod(s) | BitAnd(s) | Identical(s) | At(s) | AtPut(s) => {
                let site = &self.sites[s.index()];
                format!("#{} argc {}", self.symbol_text(site.selector), site.argc)
            }
            Jump(t) | JumpBack(t) => format!("-> {}", t.index()),
            JumpIfFalse { target, fallback } | JumpIfTrue { target, fallback } => {
                format!("-> {} fallback {}", target.index(), fallback_name(fallback))
            }
            NilTest {
                target,
                fallback,
                mode,
            } => format!(
                "{mode:?} -> {} fallback {}",
                target.index(),
                fallback_name(fallback)
            ),
            ToDoPrepare {
                counter,
                fallback,
                kind,
            } => format!(
                "{kind:?} counter {counter} fallback {}",
                fallback_name(fallback)
            ),
            ToDoTest {
                counter,
                exit,
                down,
            } => format!(
                "counter {counter} exit -> {}{}",
                exit.index(),
                if down { " down" } else { "" }
            ),
            ToDoStep {
                counter,
                head,
                down,
            } => format!(
                "counter {counter} -> {}{}",
                head.index(),
                if down { " down" } else { "" }
            ),
            PushNil | PushTrue | PushFalse | PushSelf | Pop | PopPushSelf | ReturnLocal
            | ReturnNonLocal => String::new(),
        }
    }
}

fn fallback_name(f: u16) -> String {
    if f == crate::front::compiler::NO_FALLBACK {
        "none".into()
    } else {
        f.to_string()
    }
}
