//! The `som` binary: runs a SOM program (see `som --help`).

fn main() {
    let status = som_vm::cli::main(std::env::args().collect());
    std::process::exit(status);
}
