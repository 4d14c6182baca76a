//! `builder`: builds Trustero's static bundle reproducibly, verifies a bundle
//! or mirror against a rebuild from source, and serves it for local use.

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use builder::{cmd, workspace};
use clap::{Parser, Subcommand};

/// Build, verify and serve Trustero's reproducible static bundle.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Workspace root (default: found from the current directory upwards).
    #[arg(long, global = true)]
    root: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compile the worker to WASM, render templates/ and write dist/ with its MANIFEST.
    Build(cmd::build::Args),
    /// Rebuild from source and compare with dist/, a mirror directory or a mirror URL.
    Verify(cmd::verify::Args),
    /// Serve dist/ (building it first if needed) on http://127.0.0.1:9000/index.htm.
    Serve(cmd::serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = workspace::Workspace::locate(cli.root).and_then(|ws| match cli.command {
        Command::Build(args) => cmd::build::run(&ws, args),
        Command::Verify(args) => cmd::verify::run(&ws, args),
        Command::Serve(args) => cmd::serve::run(&ws, args),
    });
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
