//! The `techmarket` command: the server and its administrative tools.

use std::process::ExitCode;

/// mimalloc gives freed memory back to the system, where glibc's per-thread arenas kept what
/// a large import had used (see BENCHMARKS.md, "At 1,000,000 achievements").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    techmarket::cli::main()
}
