//! The `leitmotif` command-line tool. All work happens in the library; see `cli/`.

fn main() {
    std::process::exit(leitmotif_cli::main());
}

#[path = "cli/mod.rs"]
mod leitmotif_cli;
