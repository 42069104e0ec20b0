//! Command-line interface: argument definitions (clap) and one module per subcommand.
//!
//! Exit status: 0 when every track succeeded, 1 when some track failed, 2 for usage errors.

mod extract;
mod index;
mod schema;
#[cfg(feature = "serve")]
mod serve;
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
    /// Serve analyses over HTTP (POST /v1/analyze) for upload workers.
    #[cfg(feature = "serve")]
    Serve(serve::ServeArgs),
}

/// Parses the command line and runs; returns the process exit status.
pub fn main() -> i32 {
    // caught panics of third-party decoders become the track's error line, not a printed panic
    leitmotif::quiet_caught_decoder_panics();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    // The hook above is silent only for panics of third-party decoders, which are caught per
    // track and become an error record (audio::guard, Pipeline::analyze); any other panic
    // stays visible.
    match cli.command {
        Command::Extract(args) => extract::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Index(args) => index::run(args),
        Command::Similar(args) => similar::run(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(args),
    }
}
