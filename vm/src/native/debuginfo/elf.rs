//! The symbol file of one piece of JIT code, as gdb's JIT interface reads it: an
//! in-memory ELF relocatable object (written with the `object` crate) whose `.text`
//! is a `NOBITS` section at the code's real address, a function symbol, and DWARF
//! written with `gimli::write`: one compile unit with a subprogram named
//! `Class>>selector` (low_pc/high_pc the code's range), a line program mapping native
//! addresses to the SOM file and line, and `.debug_frame` CFI describing the JIT frame
//! (see `frame.rs`) so unwinders continue into the caller.
//!
//! Addresses in the DWARF are absolute; gdb takes each allocated section's address
//! from the file as its load address (as for LuaJIT's and V8's images).

use super::frame::{FrameChange, RegisterRule};
use super::CodeRecord;
use gimli::write::{
    Address, AttributeValue, CallFrameInstruction, CommonInformationEntry, DwarfUnit, EndianVec,
    FrameDescriptionEntry, FrameTable, LineProgram, LineString, Sections,
};
use gimli::{Encoding, Format, LineEncoding, LittleEndian, Register};
use object::elf;
use object::write::elf::{FileHeader, SectionHeader, Sym, Writer};
use object::Endianness;

/// Why an image could not be written.
#[derive(Debug)]
pub(crate) struct ImageError(pub String);

impl From<gimli::write::Error> for ImageError {
    fn from(e: gimli::write::Error) -> Self {
        ImageError(format!("DWARF: {e}"))
    }
}

impl From<object::write::Error> for ImageError {
    fn from(e: object::write::Error) -> Self {
        ImageError(format!("ELF: {e}"))
    }
}

const ENCODING: Encoding = Encoding {
    address_size: 8,
    format: Format::Dwarf32,
    version: 4,
};

/// The ELF image describing `record` (`frame`: its frame description, `None` when it
/// could not be recovered; the image then has no CFI).
pub(crate) fn image(
    record: &CodeRecord,
    frame: Option<&[FrameChange]>,
) -> Result<Vec<u8>, ImageError> {
    let mut sections = Sections::new(EndianVec::new(LittleEndian));
    debug_info(record)?.write(&mut sections)?;
    if let Some(changes) = frame {
        let start = Address::Constant(record.address);
        frame_table(record, changes, start, None).write_debug_frame(&mut sections.debug_frame)?;
    }
    let mut dwarf: Vec<(&'static str, Vec<u8>)> = Vec::new();
    sections.for_each(|id, data| {
        if !data.slice().is_empty() {
            dwarf.push((id.name(), data.slice().to_vec()));
        }
        Ok::<(), ImageError>(())
    })?;
    elf_object(record, &dwarf)
}

/// The compile unit: the SOM file, one subprogram, the line program.
fn debug_info(record: &CodeRecord) -> Result<DwarfUnit, ImageError> {
    let mut dwarf = DwarfUnit::new(ENCODING);
    let (dir, file) = split_path(&record.file);
    let mut program = LineProgram::new(
        ENCODING,
        LineEncoding::default(),
        LineString::String(dir.as_bytes().to_vec()),
        None,
        LineString::String(file.as_bytes().to_vec()),
        None,
    );
    let dir_id = program.default_directory();
    let file_id = program.add_file(LineString::String(file.as_bytes().to_vec()), dir_id, None);
    if !record.lines.is_empty() {
        program.begin_sequence(Some(Address::Constant(record.address)));
        for &(offset, line) in record.lines.iter() {
            let row = program.row();
            row.address_offset = offset as u64;
            row.file = file_id;
            row.line = line as u64;
            program.generate_row();
        }
        program.end_sequence(record.bytes.len() as u64);
        dwarf.unit.line_program = program;
    }
    let low = AttributeValue::Address(Address::Constant(record.address));
    let size = AttributeValue::Udata(record.bytes.len() as u64);
    let root = dwarf.unit.root();
    let cu = dwarf.unit.get_mut(root);
    cu.set(gimli::DW_AT_producer, text("tiered-som tier 1"));
    cu.set(gimli::DW_AT_name, text(&record.file));
    cu.set(gimli::DW_AT_comp_dir, text(dir));
    cu.set(gimli::DW_AT_low_pc, low.clone());
    cu.set(gimli::DW_AT_high_pc, size.clone());
    let sub = dwarf.unit.add(root, gimli::DW_TAG_subprogram);
    let sub = dwarf.unit.get_mut(sub);
    sub.set(gimli::DW_AT_name, text(&record.name));
    sub.set(gimli::DW_AT_external, AttributeValue::Flag(true));
    sub.set(gimli::DW_AT_low_pc, low);
    sub.set(gimli::DW_AT_high_pc, size);
    if record.decl_line > 0 && !record.lines.is_empty() {
        sub.set(
            gimli::DW_AT_decl_file,
            AttributeValue::FileIndex(Some(file_id)),
        );
        sub.set(
            gimli::DW_AT_decl_line,
            AttributeValue::Udata(record.decl_line as u64),
        );
    }
    Ok(dwarf)
}

fn text(s: &str) -> AttributeValue {
    AttributeValue::String(s.as_bytes().to_vec())
}

/// Directory and file name of `path` (`.` when it has no directory).
fn split_path(path: &str) -> (&str, &str) {
    match path.rsplit_once('/') {
        Some(("", f)) => ("/", f),
        Some((d, f)) if !f.is_empty() => (d, f),
        _ => (".", if path.is_empty() { "?" } else { path }),
    }
}

/// One CIE (CFA = rsp + 8 and the return address below it at entry) and one FDE with
/// the recovered changes, the FDE starting at `start` (written with `pointers`, the
/// `.eh_frame` pointer encoding, when given). In JIT methods r13 and r14 (the VM stack
/// pointer and frame base) are not preserved for the caller, which reloads them from
/// the context: the CIE says so. The trampoline saves and restores them itself.
pub(super) fn frame_table(
    record: &CodeRecord,
    changes: &[FrameChange],
    start: Address,
    pointers: Option<gimli::DwEhPe>,
) -> FrameTable {
    const RSP: Register = gimli::X86_64::RSP;
    const RA: Register = gimli::X86_64::RA;
    // `.eh_frame` CIEs are version 1.
    let version = if pointers.is_some() {
        1
    } else {
        ENCODING.version
    };
    let encoding = Encoding {
        version,
        ..ENCODING
    };
    let mut cie = CommonInformationEntry::new(encoding, 1, -8, RA);
    if let Some(encoding) = pointers {
        cie.fde_address_encoding = encoding;
    }
    cie.add_instruction(CallFrameInstruction::Cfa(RSP, 8));
    cie.add_instruction(CallFrameInstruction::Offset(RA, -8));
    if !record.preserves_vm_registers {
        cie.add_instruction(CallFrameInstruction::Undefined(gimli::X86_64::R13));
        cie.add_instruction(CallFrameInstruction::Undefined(gimli::X86_64::R14));
    }
    let mut fde = FrameDescriptionEntry::new(start, record.bytes.len() as u32);
    for change in changes {
        let (offset, instruction) = match *change {
            FrameChange::CfaOffset { offset, cfa } => {
                (offset, CallFrameInstruction::CfaOffset(cfa))
            }
            FrameChange::Register {
                offset,
                register,
                rule,
            } => {
                let r = Register(register);
                let i = match rule {
                    RegisterRule::Saved(at) => CallFrameInstruction::Offset(r, at),
                    RegisterRule::SameValue => CallFrameInstruction::SameValue(r),
                };
                (offset, i)
            }
        };
        fde.add_instruction(offset, instruction);
    }
    let mut table = FrameTable::default();
    let cie = table.add_cie(cie);
    table.add_fde(cie, fde);
    table
}

/// The relocatable object: `.text` (NOBITS at the code's address), the DWARF sections,
/// a symbol table naming the code.
fn elf_object(
    record: &CodeRecord,
    dwarf: &[(&'static str, Vec<u8>)],
) -> Result<Vec<u8>, ImageError> {
    let mut out = Vec::new();
    let mut w = Writer::new(Endianness::Little, true, &mut out);
    w.reserve_file_header();
    w.reserve_null_section_index();
    let text_name = w.add_section_name(b".text");
    let text_index = w.reserve_section_index();
    let mut placed = Vec::with_capacity(dwarf.len());
    for (name, data) in dwarf {
        let name_id = w.add_section_name(name.as_bytes());
        w.reserve_section_index();
        let offset = w.reserve(data.len() as u64, 1);
        placed.push((name_id, offset, data));
    }
    w.reserve_null_symbol_index();
    let symbol_name = w.add_string(record.name.as_bytes());
    w.reserve_symbol_index(Some(text_index));
    w.reserve_symtab_section_index();
    w.reserve_symtab();
    w.reserve_strtab_section_index();
    w.reserve_strtab()?;
    w.reserve_shstrtab_section_index();
    w.reserve_shstrtab()?;
    w.reserve_section_headers();

    w.write_file_header(&FileHeader {
        os_abi: elf::ELFOSABI_NONE,
        abi_version: 0,
        e_type: elf::ET_REL,
        e_machine: elf::EM_X86_64,
        e_entry: 0,
        e_flags: elf::FileFlags(0),
    })?;
    for (_, offset, data) in &placed {
        w.pad_until(*offset);
        w.write(data);
    }
    w.write_null_symbol();
    w.write_symbol(&Sym {
        section: Some(text_index.0),
        st_name: w.string_offset(Some(symbol_name)),
        st_info: elf::SymbolInfo::new(elf::STB_GLOBAL, elf::STT_FUNC),
        st_other: elf::SymbolOther(elf::STV_DEFAULT.0),
        st_shndx: elf::SymbolSection(0),
        st_value: 0,
        st_size: record.bytes.len() as u64,
    });
    w.write_strtab();
    w.write_shstrtab();
    w.write_null_section_header();
    w.write_section_header(&SectionHeader {
        sh_name: w.section_name_offset(Some(text_name)),
        sh_type: elf::SHT_NOBITS,
        sh_flags: elf::SHF_ALLOC | elf::SHF_EXECINSTR,
        sh_addr: record.address,
        sh_offset: 0,
        sh_size: record.bytes.len() as u64,
        sh_link: 0,
        sh_info: 0,
        sh_addralign: 16,
        sh_entsize: 0,
    });
    for (name_id, offset, data) in &placed {
        w.write_section_header(&SectionHeader {
            sh_name: w.section_name_offset(Some(*name_id)),
            sh_type: elf::SHT_PROGBITS,
            sh_flags: elf::SectionFlags(0),
            sh_addr: 0,
            sh_offset: *offset,
            sh_size: data.len() as u64,
            sh_link: 0,
            sh_info: 0,
            sh_addralign: 1,
            sh_entsize: 0,
        });
    }
    w.write_symtab_section_header(1);
    w.write_strtab_section_header();
    w.write_shstrtab_section_header();
    Ok(out)
}
