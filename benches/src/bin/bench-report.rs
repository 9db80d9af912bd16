//! Prints criterion's latest medians for Tally's benchmarks as markdown tables with ratios.
//!
//! Usage: `cargo run -p tally-benches --release --bin bench-report [-- CRITERION_DIR]`.
//! Without an argument the directory is `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`,
//! else `<workspace>/target/criterion`.

use std::path::PathBuf;
use std::process::ExitCode;

use tally_benches::report::{collect, default_criterion_dir, load_paired, render_markdown, render_paired};

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let dir = match args.next() {
        Some(arg) if arg == "-h" || arg == "--help" => {
            println!(
                "usage: bench-report [CRITERION_DIR]\n\
                 Prints the medians saved by the last `cargo bench -p tally-criterion` run as \
                 markdown tables (default directory: {}).",
                default_criterion_dir().display()
            );
            return ExitCode::SUCCESS;
        }
        Some(arg) => PathBuf::from(arg),
        None => default_criterion_dir(),
    };
    match collect(&dir) {
        Ok(measurements) if measurements.is_empty() => {
            eprintln!("no criterion results under {} (run `cargo bench -p tally-criterion` first)", dir.display());
            ExitCode::FAILURE
        }
        Ok(measurements) => {
            print!("{}", render_markdown(&measurements));
            match load_paired(&dir) {
                Ok(paired) => {
                    print!("{}", render_paired(&paired));
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("bench-report: {err}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(err) => {
            eprintln!("bench-report: {err}");
            ExitCode::FAILURE
        }
    }
}
