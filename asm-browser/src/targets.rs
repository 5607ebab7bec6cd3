//! Where branches and calls in tier-1 code go, in the words of the listing: a branch
//! into the method itself as `+offset bci N`, a call to a runtime function by its name
//! (`call rt_send (rax)`, with the `mov rax,...h` that loads it marked `; rt_send`).
//!
//! The names come from the introspection API's table of runtime functions
//! (`introspect::runtime_functions`).

use som_vm::introspect::{NativeCode, NativeInstruction, PcMapEntry};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The VM's runtime functions by address, with their names (`rt_send`).
#[derive(Debug, Default, Clone)]
pub struct Symbols {
    by_address: BTreeMap<u64, String>,
}

impl Symbols {
    /// The VM's runtime functions, read once.
    pub fn of_the_vm() -> &'static Symbols {
        static SYMBOLS: OnceLock<Symbols> = OnceLock::new();
        SYMBOLS.get_or_init(|| {
            let table = som_vm::introspect::runtime_functions();
            Symbols::from_pairs(table.into_iter().map(|(a, n)| (a, n.to_string())))
        })
    }

    /// Symbols from a list (tests, or a table the VM provides).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (u64, String)>) -> Symbols {
        Symbols {
            by_address: pairs.into_iter().collect(),
        }
    }

    /// The name of the function starting at `address`.
    pub fn name(&self, address: u64) -> Option<&str> {
        self.by_address.get(&address).map(String::as_str)
    }
}

/// A hexadecimal operand as iced prints it (`5634BFF9BBE0h`).
fn immediate(operand: &str) -> Option<u64> {
    u64::from_str_radix(operand.trim().strip_suffix('h')?, 16).ok()
}

/// Where a method's machine code is, and its pc map.
#[derive(Debug, Clone, Copy)]
pub struct CodeSpan<'a> {
    pub address: u64,
    pub len: u64,
    pub pc_map: &'a [PcMapEntry],
}

impl<'a> CodeSpan<'a> {
    pub fn of(native: &'a NativeCode) -> CodeSpan<'a> {
        CodeSpan {
            address: native.address,
            len: native.bytes.len() as u64,
            pc_map: &native.pc_map,
        }
    }

    /// The bytecode whose code covers `offset`.
    fn bci_at(&self, offset: u64) -> Option<u32> {
        let i = self
            .pc_map
            .partition_point(|e| u64::from(e.offset) <= offset);
        i.checked_sub(1).map(|i| self.pc_map[i].bci)
    }
}

/// Each instruction's text with its branch target or runtime call named.
pub fn annotate(native: &NativeCode, code: &[NativeInstruction], symbols: &Symbols) -> Vec<String> {
    annotate_span(CodeSpan::of(native), code, symbols)
}

/// [`annotate`] on a span.
pub fn annotate_span(
    span: CodeSpan<'_>,
    code: &[NativeInstruction],
    symbols: &Symbols,
) -> Vec<String> {
    let mut loaded: BTreeMap<String, u64> = BTreeMap::new();
    let mut out = Vec::with_capacity(code.len());
    for i in code {
        let text = i.text.as_str();
        let (mnemonic, operands) = text.split_once(' ').unwrap_or((text, ""));
        let named = match mnemonic {
            "mov" => operands.split_once(',').and_then(|(reg, value)| {
                let address = immediate(value);
                match address {
                    Some(a) => loaded.insert(reg.to_string(), a),
                    None => loaded.remove(reg),
                };
                let name = symbols.name(address?)?;
                Some(format!("{text} ; {name}"))
            }),
            "call" => match loaded.get(operands).and_then(|&a| symbols.name(a)) {
                Some(name) => Some(format!("call {name} ({operands})")),
                None => immediate(operands)
                    .and_then(|a| symbols.name(a))
                    .map(|name| format!("{text} ; {name}")),
            },
            _ => None,
        };
        if mnemonic.starts_with('j') || mnemonic == "ret" {
            loaded.clear();
        }
        out.push(named.unwrap_or_else(|| with_target(span, text)));
    }
    out
}

/// A branch into the method itself gets its target's offset and bytecode appended
/// (`jne 7F..25Dh ; +25d bci 13`).
pub fn with_target(span: CodeSpan<'_>, text: &str) -> String {
    let target = text
        .rsplit([' ', ','])
        .next()
        .and_then(immediate)
        .filter(|_| text.starts_with('j') || text.starts_with("call"))
        .and_then(|a| a.checked_sub(span.address))
        .filter(|&off| off < span.len);
    match target.and_then(|off| span.bci_at(off).map(|bci| (off, bci))) {
        Some((off, bci)) => format!("{text} ; +{off:x} bci {bci}"),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PC_MAP: [PcMapEntry; 2] = [
        PcMapEntry {
            offset: 0,
            bci: 0,
            line: 1,
        },
        PcMapEntry {
            offset: 0x20,
            bci: 3,
            line: 2,
        },
    ];

    fn span() -> CodeSpan<'static> {
        CodeSpan {
            address: 0x1000,
            len: 0x40,
            pc_map: &PC_MAP,
        }
    }

    fn inst(offset: u32, text: &str) -> NativeInstruction {
        NativeInstruction {
            address: 0x1000 + u64::from(offset),
            offset,
            bytes: vec![],
            text: text.into(),
            bci: 0,
            line: 1,
        }
    }

    #[test]
    fn runtime_calls_are_named_and_branches_get_offset_and_bytecode() {
        let symbols = Symbols::from_pairs([(0x7f00_1234, "rt_send".to_string())]);
        let code = [
            inst(0, "mov rax,7F001234h"),
            inst(10, "call rax"),
            inst(12, "jne 0000000000001024h"),
            inst(14, "call rax"),
            inst(16, "mov rcx,1234h"),
        ];
        let texts = annotate_span(span(), &code, &symbols);
        assert_eq!(
            texts,
            [
                "mov rax,7F001234h ; rt_send",
                "call rt_send (rax)",
                "jne 0000000000001024h ; +24 bci 3",
                // After a branch the register may hold anything.
                "call rax",
                "mov rcx,1234h",
            ]
        );
    }

    #[test]
    fn the_vm_names_its_runtime_functions() {
        let symbols = Symbols::of_the_vm();
        let (address, name) = som_vm::introspect::runtime_functions()[0];
        assert_eq!(symbols.name(address), Some(name));
        assert_eq!(name, "rt_send");
    }
}
