//! The `som` binary: runs a SOM program (see `som --help`).

fn main() {
    let status = som_vm::driver::cli::main(std::env::args().collect());
    std::process::exit(status);
}

/// The VM allocates many small objects (instances, contexts, blocks); mimalloc serves
/// them much faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
