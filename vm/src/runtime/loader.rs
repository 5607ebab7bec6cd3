//! Class loading and bootstrapping: finds a class's source on the class path or in the
//! embedded core library, parses and compiles it, builds the class and its metaclass,
//! and binds the global. Bootstrapping creates the core classes first (their objects
//! exist before their definitions load, since every object needs a class).

use crate::bytecode::MethodKind;
use crate::front::ast::ClassDef;
use crate::front::compiler::Compiler;
use crate::object::heap::{Body, ClassData, Layout, Slots, SymbolId};
use crate::runtime::error::LoadError;
use crate::runtime::vm::Vm;
use crate::value::Value;
use std::collections::HashMap;
use std::rc::Rc;

include!(concat!(env!("OUT_DIR"), "/core_lib.rs"));

/// Core classes in load order (superclasses first) with their layouts.
const CORE: &[(&str, Layout)] = &[
    ("Object", Layout::Instance),
    ("Class", Layout::Class),
    ("Metaclass", Layout::Class),
    ("Nil", Layout::Instance),
    ("Boolean", Layout::Instance),
    ("True", Layout::Instance),
    ("False", Layout::Instance),
    ("Integer", Layout::Integer),
    ("Double", Layout::Double),
    ("String", Layout::String),
    ("Symbol", Layout::Symbol),
    ("Array", Layout::Array),
    ("Method", Layout::Method),
    ("Primitive", Layout::Method),
    ("Block", Layout::Block),
    ("Block1", Layout::Block),
    ("Block2", Layout::Block),
    ("Block3", Layout::Block),
    ("System", Layout::Instance),
];

fn empty_class(name: SymbolId, layout: Layout) -> Body {
    Body::Class(Box::new(ClassData {
        name,
        superclass: Value::NIL,
        instance_fields: Vec::new(),
        methods: HashMap::new(),
        method_objects: Vec::new(),
        methods_array: Value::NIL,
        fields: Vec::new(),
        layout,
    }))
}

impl Vm {
    /// Creates nil, true, false and the core classes, then loads their definitions.
    pub(crate) fn bootstrap(&mut self) -> Result<(), LoadError> {
        self.gc_inhibit += 1;
        for _ in 0..3 {
            self.heap.insert(Value::NIL, Body::Instance(Slots::nils(0)));
        }
        let mut objects = Vec::new();
        for &(_, layout) in CORE {
            let meta = self
                .heap
                .insert(Value::NIL, empty_class(SymbolId::new(0), Layout::Class));
            let class = self
                .heap
                .insert(meta, empty_class(SymbolId::new(0), layout));
            objects.push(class);
        }
        let by_name = |n: &str| objects[CORE.iter().position(|c| c.0 == n).expect("core")];
        self.core.object = by_name("Object");
        self.core.class = by_name("Class");
        self.core.metaclass = by_name("Metaclass");
        self.core.nil = by_name("Nil");
        self.core.boolean = by_name("Boolean");
        self.core.true_class = by_name("True");
        self.core.false_class = by_name("False");
        self.core.integer = by_name("Integer");
        self.core.double = by_name("Double");
        self.core.string = by_name("String");
        self.core.symbol = by_name("Symbol");
        self.core.array = by_name("Array");
        self.core.method = by_name("Method");
        self.core.primitive = by_name("Primitive");
        self.core.block = by_name("Block");
        self.core.block1 = by_name("Block1");
        self.core.block2 = by_name("Block2");
        self.core.block3 = by_name("Block3");
        self.core.system = by_name("System");
        self.heap.get_mut(Value::NIL).class = self.core.nil;
        self.heap.get_mut(Value::TRUE).class = self.core.true_class;
        self.heap.get_mut(Value::FALSE).class = self.core.false_class;
        for (i, &(name, _)) in CORE.iter().enumerate() {
            let sym = self.intern(name);
            let meta_sym = self.intern(&format!("{name} class"));
            let class = objects[i];
            let meta = self.heap.get(class).class;
            self.heap.get_mut(meta).class = self.core.metaclass;
            self.heap.class_data_mut(class).name = sym;
            self.heap.class_data_mut(meta).name = meta_sym;
            self.set_global(sym, class);
        }
        for &(name, _) in CORE {
            let class = by_name(name);
            let (file, def) = self.find_class(name)?.ok_or_else(|| {
                LoadError::Other(format!("core class {name} not found in the class path"))
            })?;
            self.define_class(def, file, Some(class), &mut Vec::new())?;
        }
        let fields = self.heap.class_data(self.core.system).instance_fields.len();
        let system = self
            .heap
            .insert(self.core.system, Body::Instance(Slots::nils(fields)));
        self.system_object = system;
        self.make_method_array_class();
        for (i, sel) in crate::bytecode::NilTestMode::SELECTORS.iter().enumerate() {
            self.nil_test_selectors[i] = self.intern(sel);
        }
        self.array_primitives = ["at:", "at:put:"].iter().all(|sel| {
            let sel = self.intern(sel);
            self.lookup(self.core.array, sel).is_some_and(|m| {
                let m = &self.methods[m.index()];
                m.holder == self.core.array && matches!(m.kind, MethodKind::Primitive(_))
            })
        });
        for (name, v) in [
            ("system", system),
            ("nil", Value::NIL),
            ("true", Value::TRUE),
            ("false", Value::FALSE),
        ] {
            let sym = self.intern(name);
            self.set_global(sym, v);
        }
        self.gc_inhibit -= 1;
        Ok(())
    }

    /// Finds and parses the source of class `name`: class path first, then the embedded
    /// core library. `Ok(None)` when there is none.
    pub(crate) fn find_class(&self, name: &str) -> Result<Option<(Rc<str>, ClassDef)>, LoadError> {
        let file_name = format!("{name}.som");
        for dir in &self.options.class_path {
            let path = dir.join(&file_name);
            if let Some(source) = read_source(&path)? {
                let file: Rc<str> = Rc::from(path.display().to_string());
                return parse(&file, &source, name).map(|d| Some((file, d)));
            }
        }
        if let Some((_, source)) = CORE_LIB.iter().find(|(n, _)| *n == name) {
            let file: Rc<str> = Rc::from(format!("core-lib/{file_name}"));
            return parse(&file, source, name).map(|d| Some((file, d)));
        }
        Ok(None)
    }

    /// Loads class `name` (if not yet loaded) and answers it, or `None` if not found.
    pub(crate) fn load_class(&mut self, name: &str) -> Result<Option<Value>, LoadError> {
        self.load_class_in(name, &mut Vec::new())
    }

    /// `load_class` while the classes in `chain` are being defined (each the subclass
    /// of the next, whose superclass is being loaded).
    fn load_class_in(
        &mut self,
        name: &str,
        chain: &mut Vec<String>,
    ) -> Result<Option<Value>, LoadError> {
        let sym = self.intern(name);
        if let Some(v) = self.get_global(sym) {
            if self.heap.is_class(v) {
                return Ok(Some(v));
            }
        }
        let _phase = crate::observe::sampling::PhaseMark::compiler();
        match self.find_class(name)? {
            Some((file, def)) => self.define_class(def, file, None, chain).map(Some),
            None => Ok(None),
        }
    }

    /// Parses, compiles and defines a class from source text (tests and tools).
    #[allow(dead_code)]
    pub(crate) fn define_class_from_source(
        &mut self,
        source: &str,
        file: &str,
    ) -> Result<Value, LoadError> {
        let file: Rc<str> = Rc::from(file);
        let def = parse(&file, source, "")?;
        self.define_class(def, file, None, &mut Vec::new())
    }

    /// Loads a class from an explicit file (the program's main class).
    pub(crate) fn load_class_file(&mut self, path: &std::path::Path) -> Result<Value, LoadError> {
        let _phase = crate::observe::sampling::PhaseMark::compiler();
        let source = read_source(path)?.ok_or_else(|| {
            LoadError::Other(format!("{}: cannot read: file not found", path.display()))
        })?;
        let file: Rc<str> = Rc::from(path.display().to_string());
        let expected = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let def = parse(&file, &source, expected)?;
        self.define_class(def, file, None, &mut Vec::new())
    }

    /// Builds a class and its metaclass from a definition and binds the global.
    fn define_class(
        &mut self,
        def: ClassDef,
        file: Rc<str>,
        existing: Option<Value>,
        chain: &mut Vec<String>,
    ) -> Result<Value, LoadError> {
        self.gc_inhibit += 1;
        chain.push(def.name.clone());
        let result = self.define_class_inner(def, file, existing, chain);
        chain.pop();
        self.gc_inhibit -= 1;
        self.lookup_cache.clear();
        self.nil_test_cache = crate::runtime::vm::NIL_TEST_CACHE_EMPTY;
        result
    }

    /// The superclass `def` names, loading it if needed. A name already in `chain` (the
    /// classes being defined, `def` last) closes a cycle: a load error naming them all.
    fn resolve_superclass(
        &mut self,
        def: &ClassDef,
        file: &str,
        chain: &mut Vec<String>,
    ) -> Result<Value, LoadError> {
        let syntax = |message| LoadError::Syntax {
            file: file.to_string(),
            line: def.pos.line,
            col: def.pos.col,
            message,
        };
        match def.superclass.as_deref() {
            Some("nil") => Ok(Value::NIL),
            None => Ok(self.core.object),
            Some(name) if chain.iter().any(|c| c == name) => {
                let start = chain.iter().position(|c| c == name).unwrap_or(0);
                let mut cycle = chain[start..].to_vec();
                cycle.push(name.to_string());
                Err(syntax(format!(
                    "cyclic superclass chain: {}",
                    cycle.join(" -> ")
                )))
            }
            Some(name) => match self.load_class_in(name, chain)? {
                Some(c) => Ok(c),
                None => Err(syntax(format!(
                    "superclass {name} of {} not found",
                    def.name
                ))),
            },
        }
    }

    fn define_class_inner(
        &mut self,
        def: ClassDef,
        file: Rc<str>,
        existing: Option<Value>,
        chain: &mut Vec<String>,
    ) -> Result<Value, LoadError> {
        let superclass = self.resolve_superclass(&def, &file, chain)?;
        let name = self.intern(&def.name);
        let meta_name = self.intern(&format!("{} class", def.name));
        let (class, meta) = match existing {
            Some(c) => (c, self.heap.get(c).class),
            None => {
                let meta = self
                    .heap
                    .insert(self.core.metaclass, empty_class(meta_name, Layout::Class));
                let class = self.heap.insert(meta, empty_class(name, Layout::Instance));
                (class, meta)
            }
        };
        let meta_super = if superclass.is_nil() {
            self.core.class
        } else {
            self.heap.get(superclass).class
        };
        let mut fields: Vec<SymbolId> = if superclass.is_nil() {
            Vec::new()
        } else {
            self.heap.class_data(superclass).instance_fields.clone()
        };
        if let Some(f) = def
            .instance_fields
            .iter()
            .find(|f| fields.iter().any(|&s| self.symbol_text(s) == f.as_str()))
        {
            return Err(LoadError::Syntax {
                file: file.to_string(),
                line: def.pos.line,
                col: def.pos.col,
                message: format!(
                    "field '{f}' of {} is already defined in a superclass",
                    def.name
                ),
            });
        }
        fields.extend(def.instance_fields.iter().map(|f| self.intern(f)));
        let mut meta_fields = self.heap.class_data(meta_super).instance_fields.clone();
        meta_fields.extend(def.class_fields.iter().map(|f| self.intern(f)));
        check_fields(&def, &file, fields.len().max(meta_fields.len()))?;
        let layout = match existing {
            Some(c) => self.heap.class_data(c).layout,
            None if superclass.is_nil() => Layout::Instance,
            None => self.heap.class_data(superclass).layout,
        };
        {
            let data = self.heap.class_data_mut(class);
            data.superclass = superclass;
            data.instance_fields = fields.clone();
            data.layout = layout;
            data.fields = vec![Value::NIL; meta_fields.len()];
            data.methods.clear();
            data.method_objects.clear();
            data.methods_array = Value::NIL;
        }
        {
            let data = self.heap.class_data_mut(meta);
            data.superclass = meta_super;
            data.instance_fields = meta_fields.clone();
            data.methods.clear();
            data.method_objects.clear();
            data.methods_array = Value::NIL;
        }
        self.set_global(name, class);
        let names = |vm: &Vm, ids: &[SymbolId]| -> Vec<String> {
            ids.iter().map(|&s| vm.symbol_text(s).to_string()).collect()
        };
        let instance_names = names(self, &fields);
        let class_names = names(self, &meta_fields);
        self.compile_methods(class, &def.instance_methods, instance_names, &file)?;
        self.compile_methods(meta, &def.class_methods, class_names, &file)?;
        Ok(class)
    }

    fn compile_methods(
        &mut self,
        holder: Value,
        defs: &[crate::front::ast::MethodDef],
        fields: Vec<String>,
        file: &Rc<str>,
    ) -> Result<(), LoadError> {
        for def in defs {
            let mut compiler = Compiler::new(self, holder, fields.clone(), file.clone());
            let m = compiler.method(def).map_err(|e| LoadError::Syntax {
                file: file.to_string(),
                line: e.pos.line,
                col: e.pos.col,
                message: e.message,
            })?;
            let class = match self.methods[m.index()].kind {
                MethodKind::Bytecode(_) | MethodKind::Trivial(..) => self.core.method,
                _ => self.core.primitive,
            };
            let obj = self.heap.insert(class, Body::Method(m));
            let sel = self.methods[m.index()].signature;
            let data = self.heap.class_data_mut(holder);
            data.methods.insert(sel, m);
            data.method_objects.push(obj);
        }
        Ok(())
    }
}

/// A class may have at most `MAX_FIELDS` fields (field operands are `u16`).
fn check_fields(def: &ClassDef, file: &str, n: usize) -> Result<(), LoadError> {
    use crate::front::compiler::limits::MAX_FIELDS;
    if n <= MAX_FIELDS {
        return Ok(());
    }
    Err(LoadError::Syntax {
        file: file.to_string(),
        line: def.pos.line,
        col: def.pos.col,
        message: format!(
            "too many fields in class {} ({n} with inherited ones, limit {MAX_FIELDS})",
            def.name
        ),
    })
}

/// The text of source file `path`: `None` when there is no such file; a file that
/// cannot be read is a load error, and a byte that is not UTF-8 one at its line and
/// column.
fn read_source(path: &std::path::Path) -> Result<Option<String>, LoadError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(LoadError::Other(format!(
                "{}: cannot read: {e}",
                path.display()
            )))
        }
    };
    String::from_utf8(bytes).map(Some).map_err(|e| {
        let bad = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let before = std::str::from_utf8(&bytes[..bad]).unwrap_or("");
        let line = before.matches('\n').count() as u32 + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
        LoadError::Syntax {
            file: path.display().to_string(),
            line,
            col,
            message: format!("invalid UTF-8 byte 0x{:02x}", bytes[bad]),
        }
    })
}

fn parse(file: &Rc<str>, source: &str, expected: &str) -> Result<ClassDef, LoadError> {
    let def = crate::front::parser::parse_class(source).map_err(|e| LoadError::Syntax {
        file: file.to_string(),
        line: e.pos.line,
        col: e.pos.col,
        message: e.message,
    })?;
    if !expected.is_empty() && def.name != expected {
        return Err(LoadError::Syntax {
            file: file.to_string(),
            line: def.pos.line,
            col: def.pos.col,
            message: format!(
                "file defines class {} but its name says {expected}",
                def.name
            ),
        });
    }
    Ok(def)
}
