//! The bytecode profile of monitored runs: per-bytecode execution counts and the receiver
//! classes seen at each send, kept only while a tool asks for them
//! (`Machine::enable_profile`) and read back through `introspect::View`.

use crate::bytecode::Bytecode;
use crate::object::heap::MethodId;
use crate::runtime::vm::Vm;
use crate::value::Value;
use std::collections::HashMap;

/// Counts kept by a profiled monitored run.
#[derive(Debug, Default, Clone)]
pub struct BytecodeProfile {
    pub(crate) counts: HashMap<MethodId, Vec<u64>>,
    pub(crate) receivers: HashMap<(MethodId, u32), Vec<(Value, u64)>>,
    /// A `to_do_step` just ran (method, its loop head): the loop test it runs inline
    /// is counted when the next bytecode is not the head itself.
    pub(crate) pending_test: Option<(MethodId, u32)>,
}

impl Vm {
    /// Counts the bytecode at `pc` of the top frame (monitored runs with a profile).
    #[inline(never)]
    pub(crate) fn profile_bytecode(&mut self, pc: usize) {
        let f = self.frames.last().expect("a frame");
        let (method, bp_len) = (f.method, self.stack.len());
        let code = self.code_of(method);
        let Some(profile) = self.profile.as_deref_mut() else {
            return;
        };
        let counts = profile
            .counts
            .entry(method)
            .or_insert_with(|| vec![0; code.bytecodes.len()]);
        if let Some((m, head)) = profile.pending_test.take() {
            if m == method && pc as u32 != head {
                counts[head as usize] += 1;
            }
        }
        counts[pc] += 1;
        let bc = code.bytecodes[pc];
        if let Bytecode::ToDoStep { head, .. } = bc {
            profile.pending_test = Some((method, head.as_u32()));
        }
        if let Some(s) = bc.send_site() {
            let argc = self.sites[s as usize].argc as usize;
            let receiver = self.stack[bp_len - 1 - argc];
            let class = self.class_of(receiver);
            let Some(profile) = self.profile.as_deref_mut() else {
                return;
            };
            let seen = profile.receivers.entry((method, pc as u32)).or_default();
            match seen.iter_mut().find(|(c, _)| *c == class) {
                Some(entry) => entry.1 += 1,
                None => seen.push((class, 1)),
            }
        }
    }
}
