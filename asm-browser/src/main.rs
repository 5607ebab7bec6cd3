//! `som-asm File.som Class>>selector [--tier 0|1] [--json] [-cp PATH] [-- ARGS...]`:
//! runs the program (tier 1 compiles every method at its first call), then lists the
//! method with source lines, bytecodes and the machine code the VM really produced.

use som_vm::introspect::{Inputs, Machine, Options};
use std::path::PathBuf;

const USAGE: &str =
    "usage: som-asm File.som Class>>selector [--tier 0|1] [--json] [-cp PATH] [-- ARGS...]";

fn main() {
    std::process::exit(match run(std::env::args().skip(1).collect()) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("som-asm: {e}\n{USAGE}");
            2
        }
    });
}

fn run(argv: Vec<String>) -> Result<(), String> {
    let (mut file, mut what, mut tier, mut json) = (None, None, 1u8, false);
    let (mut class_path, mut args) = (Vec::new(), Vec::new());
    let mut it = argv.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--tier" => tier = it.next().and_then(|t| t.parse().ok()).ok_or("--tier 0|1")?,
            "--json" => json = true,
            "-cp" => class_path.extend(it.next().ok_or("-cp PATH")?.split(':').map(PathBuf::from)),
            "--" => args.extend(it.by_ref()),
            _ if file.is_none() => file = Some(PathBuf::from(a)),
            _ if what.is_none() => what = Some(a),
            _ => return Err(format!("unexpected argument {a}")),
        }
    }
    let file = file.ok_or("no program file")?;
    let what = what.ok_or("no Class>>selector")?;
    let (class, selector) = what.split_once(">>").ok_or("expected Class>>selector")?;
    let options = Options {
        class_path,
        max_tier: tier,
        jit_threshold: 0,
        ..Options::default()
    };
    let mut m = Machine::load(options, &file, &args, Inputs::Live, true)
        .map_err(|e| format!("cannot load {}: {e:?}", file.display()))?;
    m.run();
    let view = m.view();
    let key = view
        .find_method(class.trim(), selector.trim())
        .ok_or(format!("no method {what}"))?;
    let code = view.code(key).ok_or(format!("{what} is a primitive"))?;
    let listing = som_asm_browser::listing(&view, &code, tier)
        .ok_or(format!("{what} has no tier-{tier} code (it did not run?)"))?;
    if json {
        println!("{}", listing.json());
    } else {
        let source = std::fs::read_to_string(&code.file).ok();
        print!("{}", listing.text(source.as_deref()));
    }
    Ok(())
}
