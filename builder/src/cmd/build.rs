//! `builder build`: compile, render, write dist/ and print the bundle hash.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::bundle::Bundle;
use crate::workspace::Workspace;
use crate::{render, wasm};

/// Options of `builder build`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write the bundle here instead of dist/.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Builds the bundle in memory from the workspace's sources.
pub fn bundle(ws: &Workspace) -> Result<Bundle> {
    let raw = wasm::compile(ws)?;
    let worker = wasm::bindgen(raw)?;
    render::render(&ws.templates(), &worker)
}

/// Builds and writes dist/ (or `out`), recording the inputs it was built from.
pub fn build_into(ws: &Workspace, out: Option<PathBuf>) -> Result<Bundle> {
    let inputs = ws.inputs_digest()?;
    let bundle = bundle(ws)?;
    let out = out.unwrap_or_else(|| ws.dist());
    bundle.write(&out)?;
    if out == ws.dist() {
        let record = ws.inputs_record();
        std::fs::write(&record, inputs).with_context(|| format!("writing {}", record.display()))?;
    }
    Ok(bundle)
}

/// Runs `builder build`.
pub fn run(ws: &Workspace, args: Args) -> Result<ExitCode> {
    let out = args.out.clone().unwrap_or_else(|| ws.dist());
    let bundle = build_into(ws, args.out)?;
    println!(
        "wrote {} files to {}",
        bundle.paths().count() + 1,
        out.display()
    );
    println!("bundle hash {}", bundle.hash());
    Ok(ExitCode::SUCCESS)
}
