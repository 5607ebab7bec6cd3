//! The `som-regress` binary.

fn main() {
    eprintln!("som-regress: not built yet");
    std::process::exit(1);
}
