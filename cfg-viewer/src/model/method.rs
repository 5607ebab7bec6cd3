//! One method as the inspector shows it: its bytecode, CFG, layout, runtime data (heat
//! per block from the bytecode profile, inline-cache contents per send site, the JIT's
//! markers) and the text each block shows. Built from a `View`; plain data afterwards.

use super::cfg::{BlockId, Cfg};
use super::layout::{Layout, Metrics};
use super::tiers::{JitData, Marker};
use som_vm::introspect::{BytecodeInfo, CacheState, MethodCode, MethodKey, View};

/// What an inline cache holds at a send site, and what the profile saw there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendSite {
    pub bci: u32,
    pub selector: String,
    pub state: CacheState,
    /// Receiver classes in the cache, in the order they were seen.
    pub cached: Vec<String>,
    /// Receiver classes the profile counted, most frequent first.
    pub receivers: Vec<(String, u64)>,
}

impl SendSite {
    /// `#sel mono [Integer 300]` for labels.
    pub fn summary(&self) -> String {
        let state = match self.state {
            CacheState::Empty => "empty",
            CacheState::Monomorphic => "mono",
            CacheState::Polymorphic => "poly",
            CacheState::Megamorphic => "mega",
        };
        let seen: Vec<String> = self
            .receivers
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        format!("#{} {state} [{}]", self.selector, seen.join(", "))
    }
}

/// What the top of the heat scale is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeatScale {
    /// The program's most executed bytecode: a method run 10 times stays cold beside
    /// one run 9 million times.
    #[default]
    Program,
    /// This method's most executed bytecode: shows where the method itself is hot.
    Method,
}

impl HeatScale {
    /// `program` or `method` (the command line's and the toggle's words).
    pub fn name(self) -> &'static str {
        match self {
            HeatScale::Program => "program",
            HeatScale::Method => "method",
        }
    }

    pub fn parse(word: &str) -> Option<HeatScale> {
        match word {
            "program" | "global" => Some(HeatScale::Program),
            "method" => Some(HeatScale::Method),
            _ => None,
        }
    }
}

/// A method with everything the panes need.
#[derive(Debug, Clone)]
pub struct MethodModel {
    pub key: MethodKey,
    pub code: MethodCode,
    pub cfg: Cfg,
    /// Executions per bytecode (zeros when the profile never saw the method).
    pub counts: Vec<u64>,
    pub sites: Vec<SendSite>,
    pub layout: Layout,
    /// Labels of nested (non-inlined) block methods, with their keys.
    pub nested: Vec<(MethodKey, String)>,
    /// Machine code and runtime markers from the run with the JIT.
    pub jit: JitData,
    /// Per CFG edge (in `Cfg::edges` order), how often it was taken, where the counts
    /// decide it.
    pub edge_counts: Vec<Option<u64>>,
    /// The most executed bytecode of the whole program (the global heat scale's top).
    pub program_max: u64,
    pub scale: HeatScale,
}

impl MethodModel {
    /// Reads a method's code and profile; `None` for primitives.
    pub fn from_view(view: &View<'_>, key: MethodKey, jit: JitData) -> Option<MethodModel> {
        let code = view.code(key)?;
        let mut counts = view.bytecode_counts(key);
        counts.resize(code.bytecodes.len(), 0);
        let sites = code
            .bytecodes
            .iter()
            .filter_map(|b| {
                let s = b.send.as_ref()?;
                Some(SendSite {
                    bci: b.bci,
                    selector: s.selector.clone(),
                    state: s.state,
                    cached: s.cached_classes.clone(),
                    receivers: view.receiver_counts(key, b.bci),
                })
            })
            .collect();
        let nested = code
            .blocks
            .iter()
            .filter_map(|&k| Some((k, view.code(k)?.label)))
            .collect();
        Some(MethodModel::new(key, code, counts, sites, nested, jit))
    }

    /// Builds the CFG and its layout from the parts.
    pub fn new(
        key: MethodKey,
        code: MethodCode,
        counts: Vec<u64>,
        sites: Vec<SendSite>,
        nested: Vec<(MethodKey, String)>,
        jit: JitData,
    ) -> MethodModel {
        let cfg = Cfg::build(&code);
        let mut m = MethodModel {
            key,
            code,
            cfg,
            counts,
            sites,
            layout: Layout::default(),
            nested,
            jit,
            edge_counts: Vec::new(),
            program_max: 0,
            scale: HeatScale::default(),
        };
        m.edge_counts = super::flow::edge_counts(&m.cfg, &m.counts);
        m.program_max = m.max_count();
        let metrics = Metrics::default();
        let sizes: Vec<(f32, f32)> = m
            .cfg
            .blocks()
            .map(|b| metrics.block_size(&m.block_text(b.id)))
            .collect();
        m.layout = Layout::compute(&m.cfg, &sizes, &metrics);
        m
    }

    /// The count label of edge `i` (`x120`), when the counts decide it.
    pub fn edge_label(&self, i: usize) -> Option<String> {
        self.edge_counts
            .get(i)
            .copied()
            .flatten()
            .map(|n| format!("x{n}"))
    }

    pub fn site(&self, bci: u32) -> Option<&SendSite> {
        self.sites.iter().find(|s| s.bci == bci)
    }

    /// How often a block ran: the most executed of its bytecodes.
    pub fn block_count(&self, id: BlockId) -> u64 {
        let b = self.cfg.block(id);
        self.counts[b.start as usize..b.end as usize]
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
    }

    /// How deeply loops nest around a block (0 outside loops).
    pub fn loop_depth_of(&self, id: BlockId) -> u32 {
        let l = self.cfg.block(id).innermost_loop;
        l.map_or(0, |l| self.cfg.loop_info(l).depth)
    }

    /// The hottest block's count (the top of the heat scale).
    pub fn max_count(&self) -> u64 {
        self.counts.iter().copied().max().unwrap_or(0)
    }

    /// The top of the heat scale in use.
    pub fn scale_max(&self) -> u64 {
        match self.scale {
            HeatScale::Program => self.program_max.max(self.max_count()),
            HeatScale::Method => self.max_count(),
        }
    }

    /// Heat in `0..=1` on a log scale up to [`MethodModel::scale_max`] (0 for blocks
    /// that never ran).
    pub fn heat(&self, id: BlockId) -> f32 {
        let (n, max) = (self.block_count(id), self.scale_max());
        if n == 0 || max == 0 {
            return 0.0;
        }
        (((n as f64).ln_1p()) / ((max as f64).ln_1p())) as f32
    }

    /// The text of one bytecode as listings show it.
    pub fn bytecode_text(&self, b: &BytecodeInfo) -> String {
        let ops = if b.operands.is_empty() {
            String::new()
        } else {
            format!(" {}", b.operands)
        };
        format!("{:>4} {}{}", b.bci, b.mnemonic, ops)
    }

    /// The JIT's markers inside a block, by bytecode index.
    pub fn block_markers(&self, id: BlockId) -> Vec<&Marker> {
        let b = self.cfg.block(id);
        self.jit
            .markers
            .iter()
            .filter(|m| b.bcis().contains(&m.bci))
            .collect()
    }

    /// The line of a block's text where its bytecodes start (after the header and the
    /// marker lines).
    pub fn first_bytecode_line(&self, id: BlockId) -> usize {
        1 + self.block_markers(id).len()
    }

    /// The block's header, its runtime markers, then one line per bytecode (send sites
    /// end with their cache).
    pub fn block_text(&self, id: BlockId) -> Vec<String> {
        let b = self.cfg.block(id);
        let mut lines = vec![self.block_header(id)];
        lines.extend(self.block_markers(id).iter().map(|m| m.text()));
        for bci in b.bcis() {
            let bc = &self.code.bytecodes[bci as usize];
            let mut text = self.bytecode_text(bc);
            if let Some(site) = self.site(bci) {
                let classes: Vec<&str> = site.receivers.iter().map(|(c, _)| c.as_str()).collect();
                if !classes.is_empty() {
                    text.push_str(&format!("  [{}]", classes.join(" ")));
                }
            }
            lines.push(text);
        }
        lines
    }

    /// `b3 L5-7 x120 loop1` for a block's first line.
    pub fn block_header(&self, id: BlockId) -> String {
        let b = self.cfg.block(id);
        let lines: Vec<u32> = b
            .bcis()
            .map(|i| self.code.bytecodes[i as usize].line)
            .collect();
        let (lo, hi) = (
            lines.iter().min().copied().unwrap_or(0),
            lines.iter().max().copied().unwrap_or(0),
        );
        let range = if lo == hi {
            format!("L{lo}")
        } else {
            format!("L{lo}-{hi}")
        };
        let mut h = format!("{id} {range} x{}", self.block_count(id));
        if let Some(l) = b.innermost_loop {
            h.push_str(&format!(" {l}"));
        }
        if !b.reachable {
            h.push_str(" dead");
        }
        h
    }
}
