//! Step one of a build: the worker crate compiled to WASM, then processed by
//! wasm-bindgen (as a library, pinned to the wasm-bindgen crate's version).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::workspace::Workspace;

/// Paths rustc embeds (panic locations) are rewritten to these, so the WASM is
/// identical whatever directory the repository or `$CARGO_HOME` lives in.
const REMAPPED_WORKSPACE: &str = "/trustero";
const REMAPPED_CARGO_HOME: &str = "/cargo";
const REMAPPED_CRATES: &str = "/crates";

/// wasm-bindgen reads these at startup; they change its output.
const BINDGEN_ENV: &[&str] = &[
    "WASM_BINDGEN_ANYREF",
    "WASM_BINDGEN_EXTERNREF",
    "WASM_BINDGEN_MULTI_VALUE",
];

/// The worker's JavaScript glue and final WASM bytes.
#[derive(Debug)]
pub struct Worker {
    /// wasm-bindgen's "no-modules" glue (defines the global `wasm_bindgen`).
    pub glue: String,
    /// The processed module.
    pub wasm: Vec<u8>,
}

fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .and_then(|path| path.canonicalize().ok())
}

/// `--remap-path-prefix` flags, most general first: rustc applies the last
/// matching one, so each registry source directory maps to `/crates`.
fn remap_flags(workspace: &Path) -> Vec<String> {
    let mut flags = vec![format!(
        "--remap-path-prefix={}={REMAPPED_WORKSPACE}",
        workspace.display()
    )];
    if let Some(home) = cargo_home() {
        flags.push(format!(
            "--remap-path-prefix={}={REMAPPED_CARGO_HOME}",
            home.display()
        ));
        if let Ok(registries) = std::fs::read_dir(home.join("registry").join("src")) {
            let mut dirs: Vec<PathBuf> = registries.flatten().map(|e| e.path()).collect();
            dirs.sort();
            for dir in dirs {
                flags.push(format!(
                    "--remap-path-prefix={}={REMAPPED_CRATES}",
                    dir.display()
                ));
            }
        }
    }
    flags
}

/// Compiles the worker crate for `wasm32-unknown-unknown` with the pinned
/// toolchain (rust-toolchain.toml) and returns the raw module.
pub fn compile(ws: &Workspace) -> Result<Vec<u8>> {
    for var in BINDGEN_ENV {
        if std::env::var_os(var).is_some() {
            bail!(
                "{var} is set: it changes wasm-bindgen's output; unset it for a reproducible build"
            );
        }
    }
    let target_dir = ws.bundle_target();
    let status = Command::new("cargo")
        .current_dir(ws.root())
        .args(["build", "--locked", "--package", "worker", "--lib"])
        .args(["--target", "wasm32-unknown-unknown", "--profile", "wasm"])
        .arg("--target-dir")
        .arg(&target_dir)
        // Takes precedence over every other RUSTFLAGS source, so a developer's
        // environment cannot change the output.
        .env(
            "CARGO_ENCODED_RUSTFLAGS",
            remap_flags(ws.root()).join("\x1f"),
        )
        .env_remove("RUSTC_WRAPPER")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .status()
        .context("running cargo (is Rust installed? see README)")?;
    if !status.success() {
        bail!("compiling the worker to WASM failed ({status}); the cargo output above says why");
    }
    let path = target_dir
        .join("wasm32-unknown-unknown")
        .join("wasm")
        .join("worker.wasm");
    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
}

/// Runs wasm-bindgen on the raw module: no-modules glue, no name or producers
/// section, no TypeScript.
pub fn bindgen(raw: Vec<u8>) -> Result<Worker> {
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_bytes("worker", raw)
        .no_modules(true)?
        .typescript(false)
        .debug(false)
        .remove_name_section(true)
        .remove_producers_section(true);
    let mut output = bindgen.generate_output().context("running wasm-bindgen")?;
    Ok(Worker {
        glue: output.js().to_owned(),
        wasm: output.wasm_mut().emit_wasm(),
    })
}
