//! Command-line interface: argument definitions (clap) and one module per subcommand.
//!
//! Exit status: 0 when every track succeeded, 1 when some track failed, 2 for usage errors.

mod extract;
mod index;
mod schema;
mod similar;

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
    /// Print the feature-vector schema (names, groups, units).
    Schema(schema::SchemaArgs),
    /// Build, update, export or inspect a similarity index.
    Index(index::IndexArgs),
    /// Find the nearest tracks of audio files or indexed paths.
    Similar(similar::SimilarArgs),
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
    // No global panic hook: a panic inside a decoder is caught per track and becomes an
    // error record (Pipeline::analyze); any other panic must stay visible.
    match cli.command {
        Command::Extract(args) => extract::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Index(args) => index::run(args),
        Command::Similar(args) => similar::run(args),
    }
}
