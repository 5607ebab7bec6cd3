//! The `som-prof` binary.

fn main() {
    eprintln!("som-prof: not built yet");
    std::process::exit(1);
}
