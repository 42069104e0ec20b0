//! Command-line interface: argument definitions (clap) and one module per subcommand.
//!
//! Exit status: 0 when every track succeeded, 1 when some track failed, 2 for usage errors.

mod extract;

use clap::{Parser, Subcommand};

/// leitmotif — music feature extraction.
#[derive(Parser, Debug)]
#[command(name = "leitmotif", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Analyse audio files and write one JSON record per track.
    Extract(extract::ExtractArgs),
}

/// Parses the command line and runs; returns the process exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    // Panics inside decoders are caught per track and reported in the record; keep stderr clean.
    std::panic::set_hook(Box::new(|_| {}));
    match cli.command {
        Command::Extract(args) => extract::run(args),
    }
}
