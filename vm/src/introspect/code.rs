//! Code artifacts for tools: a method's bytecode with operands, source lines and
//! control-flow successors (the input of a CFG), its send sites with their inline-cache
//! contents, its nested blocks; and the bytecode profile a monitored run can keep
//! (execution count per bytecode, receiver classes per send site).

use super::view::{MethodKey, View};
use super::Machine;
use crate::bytecode::{Bytecode, Code, JumpKind, MethodKind};
use crate::front::compiler::NO_FALLBACK;

/// Why control goes from one bytecode to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// To the next bytecode.
    Fallthrough,
    /// An unconditional forward jump.
    Jump,
    /// The taken side of a conditional branch (or a loop exit).
    Branch,
    /// A loop back-edge.
    LoopBack,
    /// An inlined construct met a receiver it cannot handle inline: the real message is
    /// sent and execution resumes here.
    Fallback,
}

/// A control-flow successor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Edge {
    pub target: u32,
    pub kind: EdgeKind,
}

/// An inline cache's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheState {
    Empty,
    Monomorphic,
    Polymorphic,
    Megamorphic,
}

/// A send site and its inline cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteInfo {
    pub selector: String,
    pub argc: u8,
    pub state: CacheState,
    /// Receiver classes in the cache, in the order they were seen.
    pub cached_classes: Vec<String>,
}

/// One bytecode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BytecodeInfo {
    pub bci: u32,
    pub mnemonic: &'static str,
    /// Operands and what they denote, as the disassembler prints them.
    pub operands: String,
    pub line: u32,
    pub successors: Vec<Edge>,
    pub is_return: bool,
    pub send: Option<SiteInfo>,
}

/// A method's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodCode {
    pub key: MethodKey,
    pub label: String,
    pub file: String,
    pub line: u32,
    pub bytecodes: Vec<BytecodeInfo>,
    /// Block methods nested in it (by `push_block` index), and those of inlining fallbacks.
    pub blocks: Vec<MethodKey>,
    /// Tiers this method has code in (0 is the bytecode itself).
    pub tiers: Vec<u8>,
}

fn successors(code: &Code, bci: usize) -> Vec<Edge> {
    let props = code.bytecodes[bci].props();
    let mut out = Vec::with_capacity(3);
    if props.falls_through {
        out.push(Edge {
            target: bci as u32 + 1,
            kind: EdgeKind::Fallthrough,
        });
    }
    if let Some((target, how)) = props.jump {
        let kind = match how {
            JumpKind::Always => EdgeKind::Jump,
            JumpKind::Conditional => EdgeKind::Branch,
            JumpKind::LoopBack => EdgeKind::LoopBack,
        };
        out.push(Edge { target, kind });
    }
    if let Some(f) = props.fallback.filter(|&f| f != NO_FALLBACK) {
        out.push(Edge {
            target: code.fallbacks[f as usize].resume,
            kind: EdgeKind::Fallback,
        });
    }
    out
}

impl View<'_> {
    fn site_info(&self, s: u32) -> SiteInfo {
        let vm = self.vm;
        let site = &vm.sites[s as usize];
        let state = match (site.megamorphic, site.cached) {
            (true, _) => CacheState::Megamorphic,
            (_, 0) => CacheState::Empty,
            (_, 1) => CacheState::Monomorphic,
            _ => CacheState::Polymorphic,
        };
        SiteInfo {
            selector: vm.symbol_text(site.selector).to_string(),
            argc: site.argc,
            state,
            cached_classes: site.cache[..site.cached as usize]
                .iter()
                .map(|e| vm.class_name(e.class))
                .collect(),
        }
    }

    /// A method's bytecode, send sites and nested blocks (`None` for primitives).
    pub fn code(&self, key: MethodKey) -> Option<MethodCode> {
        let vm = self.vm;
        let method = vm.methods.get(key.0.index())?;
        let code = match &method.kind {
            MethodKind::Bytecode(c) | MethodKind::Trivial(_, c) => c.clone(),
            _ => return None,
        };
        let bytecodes = code
            .bytecodes
            .iter()
            .enumerate()
            .map(|(i, bc)| BytecodeInfo {
                bci: i as u32,
                mnemonic: bc.mnemonic(),
                operands: vm.operands(&code, bc),
                line: code.lines[i],
                successors: successors(&code, i),
                is_return: matches!(bc, Bytecode::ReturnLocal | Bytecode::ReturnNonLocal),
                send: bc.send_site().map(|s| self.site_info(s)),
            })
            .collect();
        let mut blocks: Vec<MethodKey> = code.blocks.iter().map(|&b| MethodKey(b)).collect();
        blocks.extend(
            code.fallbacks
                .iter()
                .flat_map(|f| f.blocks.iter().map(|&b| MethodKey(b))),
        );
        Some(MethodCode {
            key,
            label: vm.method_name(key.0),
            file: method.file.to_string(),
            line: method.line,
            bytecodes,
            blocks,
            tiers: if vm.jit.compiled(key.0).is_some() {
                vec![0, 1]
            } else {
                vec![0]
            },
        })
    }

    /// The method `selector` of class `class` (`Foo` or `Foo class` for the class side),
    /// found along the superclass chain.
    pub fn find_method(&self, class: &str, selector: &str) -> Option<MethodKey> {
        let vm = self.vm;
        let (base, meta) = match class.strip_suffix(" class") {
            Some(b) => (b, true),
            None => (class, false),
        };
        let mut c = self.global(base)?.value();
        if !vm.heap.is_class(c) {
            return None;
        }
        if meta {
            c = vm.heap.get(c).class;
        }
        let sel = *vm.symbol_ids.get(selector)?;
        while vm.heap.is_class(c) {
            let data = vm.heap.class_data(c);
            if let Some(&m) = data.methods.get(&sel) {
                return Some(MethodKey(m));
            }
            c = data.superclass;
        }
        None
    }

    /// Executions of each bytecode of a method in profiled runs (empty if none).
    pub fn bytecode_counts(&self, key: MethodKey) -> Vec<u64> {
        self.vm
            .profile
            .as_ref()
            .and_then(|p| p.counts.get(&key.0).cloned())
            .unwrap_or_default()
    }

    /// Receiver classes seen at the send at `bci`, with counts, most frequent first.
    pub fn receiver_counts(&self, key: MethodKey, bci: u32) -> Vec<(String, u64)> {
        let Some(p) = self.vm.profile.as_ref() else {
            return Vec::new();
        };
        let mut out: Vec<(String, u64)> = p
            .receivers
            .get(&(key.0, bci))
            .map(|v| v.iter().map(|&(c, n)| (self.vm.class_name(c), n)).collect())
            .unwrap_or_default();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }
}

impl Machine {
    /// Makes monitored runs count every bytecode and the receiver classes at every
    /// send (slower; for inspectors).
    pub fn enable_profile(&mut self) {
        self.vm.profile.get_or_insert_with(Default::default);
    }

    /// Runs to the end under a monitor that never pauses, keeping the profile.
    pub fn run_profiled(&mut self) -> super::Exit {
        struct Watcher;
        impl super::Monitor for Watcher {
            fn boundary(&mut self, _: &View<'_>, _: &super::Boundary) -> super::Verdict {
                super::Verdict::Continue
            }
        }
        self.enable_profile();
        match self.run_monitored(&mut Watcher) {
            super::RunState::Finished(exit) => exit,
            super::RunState::Paused => unreachable!("the watcher never pauses"),
        }
    }
}
