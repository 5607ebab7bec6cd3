//! The control-flow graph of one method's bytecode: basic blocks (split at jump targets
//! and after branches, jumps and returns) as a petgraph graph with typed edges, back-edges
//! marked by a depth-first search, and the natural loops (found with dominators) nested
//! into a tree.

use petgraph::algo::dominators;
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use som_vm::introspect::{EdgeKind, MethodCode};
use std::collections::BTreeSet;
use std::fmt;

/// A basic block, numbered in bytecode order (`b0` is the entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlockId(pub u32);

impl fmt::Display for BlockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b{}", self.0)
    }
}

/// A natural loop, numbered by its header's position (outer loops before inner ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LoopId(pub u32);

impl fmt::Display for LoopId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "loop{}", self.0)
    }
}

/// A straight run of bytecodes `start..end` entered only at `start`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicBlock {
    pub id: BlockId,
    pub start: u32,
    /// One past the last bytecode.
    pub end: u32,
    /// The innermost loop containing the block.
    pub innermost_loop: Option<LoopId>,
    /// Whether the entry reaches it (dead code is kept, drawn apart).
    pub reachable: bool,
}

impl BasicBlock {
    pub fn bcis(&self) -> std::ops::Range<u32> {
        self.start..self.end
    }
}

/// A control-flow edge between blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowEdge {
    pub kind: EdgeKind,
    /// The bytecode the edge leaves from (the last of its block).
    pub from_bci: u32,
    /// A retreating edge of the depth-first search: reversed for layering, drawn apart.
    pub back: bool,
}

/// A natural loop: a header and every block that reaches a back-edge into it without
/// passing through the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loop {
    pub id: LoopId,
    pub header: BlockId,
    pub blocks: BTreeSet<BlockId>,
    pub parent: Option<LoopId>,
    /// 1 for an outermost loop.
    pub depth: u32,
}

/// The CFG of one method.
#[derive(Debug, Clone)]
pub struct Cfg {
    pub graph: DiGraph<BasicBlock, FlowEdge>,
    /// The block of each bytecode.
    pub block_of: Vec<BlockId>,
    pub loops: Vec<Loop>,
}

impl Cfg {
    /// Builds the CFG from a method's bytecode and its successor lists.
    pub fn build(code: &MethodCode) -> Cfg {
        let leaders = leaders(code);
        let mut graph = DiGraph::new();
        let mut block_of = vec![BlockId(0); code.bytecodes.len()];
        let starts: Vec<u32> = leaders.iter().copied().collect();
        for (i, &start) in starts.iter().enumerate() {
            let end = starts
                .get(i + 1)
                .copied()
                .unwrap_or(code.bytecodes.len() as u32);
            let id = BlockId(i as u32);
            for slot in &mut block_of[start as usize..end as usize] {
                *slot = id;
            }
            graph.add_node(BasicBlock {
                id,
                start,
                end,
                innermost_loop: None,
                reachable: false,
            });
        }
        for n in graph.node_indices().collect::<Vec<_>>() {
            let last = graph[n].end - 1;
            for e in &code.bytecodes[last as usize].successors {
                let Some(&to) = block_of.get(e.target as usize) else {
                    continue;
                };
                let edge = FlowEdge {
                    kind: e.kind,
                    from_bci: last,
                    back: false,
                };
                graph.add_edge(n, NodeIndex::new(to.0 as usize), edge);
            }
        }
        let mut cfg = Cfg {
            graph,
            block_of,
            loops: Vec::new(),
        };
        if cfg.graph.node_count() > 0 {
            cfg.mark_back_edges();
            cfg.find_loops();
        }
        cfg
    }

    pub fn block(&self, id: BlockId) -> &BasicBlock {
        &self.graph[NodeIndex::new(id.0 as usize)]
    }

    pub fn blocks(&self) -> impl Iterator<Item = &BasicBlock> {
        self.graph.node_weights()
    }

    pub fn len(&self) -> usize {
        self.graph.node_count()
    }

    pub fn is_empty(&self) -> bool {
        self.graph.node_count() == 0
    }

    /// Edges as `(from, to, edge)`, in insertion (bytecode) order.
    pub fn edges(&self) -> impl Iterator<Item = (BlockId, BlockId, &FlowEdge)> {
        self.graph.edge_references().map(|e| {
            (
                self.graph[e.source()].id,
                self.graph[e.target()].id,
                e.weight(),
            )
        })
    }

    pub fn loop_info(&self, id: LoopId) -> &Loop {
        &self.loops[id.0 as usize]
    }

    /// The loops containing a block, outermost first.
    pub fn loop_chain(&self, id: BlockId) -> Vec<LoopId> {
        let mut chain = Vec::new();
        let mut l = self.block(id).innermost_loop;
        while let Some(x) = l {
            chain.push(x);
            l = self.loop_info(x).parent;
        }
        chain.reverse();
        chain
    }

    /// Marks retreating edges of an iterative depth-first search from the entry (then
    /// from any block it did not reach) as back-edges.
    fn mark_back_edges(&mut self) {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            OnStack,
            Done,
        }
        let n = self.graph.node_count();
        let mut mark = vec![Mark::New; n];
        let mut back: Vec<EdgeIndex> = Vec::new();
        for root in 0..n {
            if mark[root] != Mark::New {
                continue;
            }
            let reach = root == 0;
            let mut stack: Vec<(NodeIndex, Vec<EdgeIndex>)> = Vec::new();
            let push = |g: &DiGraph<BasicBlock, FlowEdge>, v: NodeIndex| {
                let mut out: Vec<EdgeIndex> = g.edges(v).map(|e| e.id()).collect();
                out.sort();
                out.reverse();
                (v, out)
            };
            mark[root] = Mark::OnStack;
            self.graph[NodeIndex::new(root)].reachable |= reach;
            stack.push(push(&self.graph, NodeIndex::new(root)));
            while let Some((v, pending)) = stack.last_mut() {
                let v = *v;
                let Some(e) = pending.pop() else {
                    mark[v.index()] = Mark::Done;
                    stack.pop();
                    continue;
                };
                let w = self.graph.edge_endpoints(e).expect("edge").1;
                match mark[w.index()] {
                    Mark::OnStack => back.push(e),
                    Mark::Done => {}
                    Mark::New => {
                        mark[w.index()] = Mark::OnStack;
                        self.graph[w].reachable |= reach;
                        stack.push(push(&self.graph, w));
                    }
                }
            }
        }
        for e in back {
            self.graph[e].back = true;
        }
    }

    /// Natural loops of back-edges whose target dominates their source; loops with the
    /// same header are one loop; nesting by containment.
    fn find_loops(&mut self) {
        let entry = NodeIndex::new(0);
        let doms = dominators::simple_fast(&self.graph, entry);
        let mut bodies: Vec<(NodeIndex, BTreeSet<BlockId>)> = Vec::new();
        for e in self.graph.edge_references() {
            let (latch, header) = (e.source(), e.target());
            let dominated = doms
                .dominators(latch)
                .is_some_and(|mut d| d.any(|x| x == header));
            if !dominated {
                continue;
            }
            let body = self.natural_loop(header, latch);
            match bodies.iter_mut().find(|(h, _)| *h == header) {
                Some((_, b)) => b.extend(body),
                None => bodies.push((header, body)),
            }
        }
        // Outer loops first: larger bodies, then earlier headers.
        bodies.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
        for (i, (header, blocks)) in bodies.into_iter().enumerate() {
            let id = LoopId(i as u32);
            let parent = self
                .loops
                .iter()
                .rev()
                .find(|l| l.blocks.is_superset(&blocks))
                .map(|l| l.id);
            let depth = parent.map_or(1, |p| self.loop_info(p).depth + 1);
            for b in &blocks {
                self.graph[NodeIndex::new(b.0 as usize)].innermost_loop = Some(id);
            }
            self.loops.push(Loop {
                id,
                header: self.graph[header].id,
                blocks,
                parent,
                depth,
            });
        }
    }

    fn natural_loop(&self, header: NodeIndex, latch: NodeIndex) -> BTreeSet<BlockId> {
        let mut body = BTreeSet::from([self.graph[header].id]);
        let mut work = vec![latch];
        while let Some(v) = work.pop() {
            if body.insert(self.graph[v].id) {
                work.extend(self.graph.neighbors_directed(v, Direction::Incoming));
            }
        }
        body
    }
}

/// First bytecodes of basic blocks: the entry, every edge target, and every bytecode
/// after one that does not simply fall through.
fn leaders(code: &MethodCode) -> BTreeSet<u32> {
    let len = code.bytecodes.len() as u32;
    let mut leaders = BTreeSet::new();
    if len > 0 {
        leaders.insert(0);
    }
    for b in &code.bytecodes {
        let plain = b.successors.len() == 1
            && b.successors[0].kind == EdgeKind::Fallthrough
            && b.successors[0].target == b.bci + 1;
        if plain {
            continue;
        }
        if b.bci + 1 < len {
            leaders.insert(b.bci + 1);
        }
        for e in &b.successors {
            if e.target < len {
                leaders.insert(e.target);
            }
        }
    }
    leaders
}
