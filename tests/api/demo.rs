//! The demo: `techmarket demo` on an empty data folder fills the libraries and plays a working
//! month through the API, so the figures a newcomer opens are real.

use std::process::Command;

/// Runs `techmarket demo` on the embedded SQLite in a data folder.
fn run_demo(data: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_techmarket"))
        .arg("demo")
        .env("TECHMARKET_DATA_DIR", data)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("the demo runs")
}

#[test]
fn the_demo_fills_every_figure_through_the_api() {
    let data = tempfile::tempdir().expect("a temporary folder");
    let output = run_demo(data.path());
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{printed}\n{}", String::from_utf8_lossy(&output.stderr));
    let count = |what: &str| -> usize {
        printed
            .lines()
            .find(|l| l.ends_with(what))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no `{what}` in {printed}"))
    };
    assert_eq!(count("matchmaking event with its report"), 1);
    assert_eq!(count("answers to demands"), 3);
    assert_eq!(count("deals across the funnel"), 6);
    assert_eq!(count("registered technology contracts with payments"), 2);
    assert!(count("achievements") >= 100);
    // Run again, it leaves a filled database alone.
    let again = run_demo(data.path());
    assert!(String::from_utf8_lossy(&again.stdout).contains("only fills an empty one"));
}
