//! Rebuilds the crate when a migration changes: `embed_migrations!` reads `migrations/` at
//! compile time, a folder cargo does not otherwise watch.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
