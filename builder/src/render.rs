//! Step two of a build: templates/ rendered into a [`Bundle`], every
//! subresource pinned by Subresource Integrity and a strict CSP.
//!
//! Layout of templates/:
//! - `index.htm`: the page (minijinja, HTML auto-escaping);
//! - `worker.js`: the worker's script (minijinja, JSON auto-escaping), which
//!   gets wasm-bindgen's glue and the WASM's integrity;
//! - everything else (`js/`, `css/`, ...): copied as is.
//!
//! Output: `index.htm`, `worker.js`, `worker.wasm` and the copied files.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use minijinja::{Environment, UndefinedBehavior, context};

use crate::bundle::Bundle;
use crate::hashes::{csp_hash, sri};
use crate::wasm::Worker;
use crate::workspace::collect_files;

/// The page template.
pub const PAGE: &str = "index.htm";
/// The worker script template (output keeps the name).
pub const WORKER_SCRIPT: &str = "worker.js";
/// The worker's WASM module in the bundle.
pub const WORKER_WASM: &str = "worker.wasm";

/// The page's Content Security Policy; `{importmap}` becomes the import map's hash.
///
/// - scripts only from this origin, no eval, WASM compilation allowed;
/// - the worker starts from a `blob:` holding the integrity-checked worker.js;
/// - network: this origin, WebSockets anywhere (trackers and relays are
///   user-configurable; WebRTC itself is not governed by CSP), and https
///   anywhere for the relays' NIP-11 documents (their limits). A page able to
///   open a WebSocket to any host gains no reach from https.
const CSP: &[&str] = &[
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval' {importmap}",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self' ws: wss: https:",
    "worker-src blob:",
    "base-uri 'none'",
    "form-action 'none'",
];

/// A module of the page with its integrity, for `modulepreload` links.
#[derive(Debug, serde::Serialize)]
struct Module {
    path: String,
    integrity: String,
}

/// Renders `templates` with the compiled `worker` into a bundle.
pub fn render(templates: &Path, worker: &Worker) -> Result<Bundle> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    let mut bundle = Bundle::default();
    let mut files = Vec::new();
    collect_files(templates, &mut files)?;
    for file in files {
        let relative = relative_path(templates, &file);
        let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
        if relative == PAGE || relative == WORKER_SCRIPT {
            let source = String::from_utf8(bytes)
                .with_context(|| format!("{} is not UTF-8", file.display()))?;
            env.add_template_owned(relative, source)
                .with_context(|| format!("parsing {}", file.display()))?;
        } else {
            bundle.insert(relative, bytes);
        }
    }

    bundle.insert(WORKER_WASM, worker.wasm.clone());
    let worker_script = env
        .get_template(WORKER_SCRIPT)
        .context("templates/worker.js is missing")?
        .render(context! {
            glue => minijinja::Value::from_safe_string(worker.glue.clone()),
            wasm_path => WORKER_WASM,
            wasm_integrity => sri(&worker.wasm),
        })
        .context("rendering templates/worker.js")?;
    bundle.insert(WORKER_SCRIPT, worker_script.into_bytes());

    let integrity: BTreeMap<String, String> = bundle
        .paths()
        .map(|path| (path.to_owned(), sri(bundle.get(path).expect("listed path"))))
        .collect();
    let modules: Vec<Module> = integrity
        .iter()
        .filter(|(path, _)| path.starts_with("js/") && path.ends_with(".js"))
        .map(|(path, integrity)| Module {
            path: path.clone(),
            integrity: integrity.clone(),
        })
        .collect();
    let importmap = import_map(&modules);
    let csp = CSP.join("; ").replace("{importmap}", &csp_hash(&importmap));
    let page = env
        .get_template(PAGE)
        .context("templates/index.htm is missing")?
        .render(context! {
            sri => integrity,
            modules => minijinja::Value::from(minijinja::value::Serde(&modules)),
            importmap => minijinja::Value::from_safe_string(importmap),
            csp => csp,
        })
        .context("rendering templates/index.htm")?;
    bundle.insert(PAGE, page.into_bytes());
    Ok(bundle)
}

/// The import map that pins every module the page may import: browsers check
/// `integrity` entries for static and dynamic imports alike.
fn import_map(modules: &[Module]) -> String {
    let integrity: BTreeMap<String, &str> = modules
        .iter()
        .map(|m| (format!("./{}", m.path), m.integrity.as_str()))
        .collect();
    serde_json::json!({ "imports": {}, "integrity": integrity }).to_string()
}

fn relative_path(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .expect("collect_files stays under root")
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
