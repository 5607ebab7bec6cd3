//! The `som-dbg` binary.

fn main() {
    eprintln!("som-dbg: not built yet");
    std::process::exit(1);
}
