//! Step two of a build: templates/ rendered into a [`Bundle`], every
//! subresource pinned by Subresource Integrity and a strict CSP.
//!
//! Layout of templates/:
//! - `index.htm`: the page (minijinja, HTML auto-escaping);
//! - `standalone.htm` (optional): the same app in one file, for `file://`
//!   (see [`crate::modules`]): every module joined into one inline script,
//!   the stylesheets inline, worker.js and worker.wasm inside as base64
//!   data blocks; scripts and styles pinned by CSP hashes, the data blocks
//!   by the integrity values the pinned script checks;
//! - `worker.js`: the worker's script (minijinja, JSON auto-escaping), which
//!   gets wasm-bindgen's glue and the WASM's integrity;
//! - `_*.js` at the top: inline scripts the pages include verbatim
//!   (`_open-from-disk.js`, `_standalone-guard.js`), hashed into their CSP;
//!   other `_*` files are partials; neither is copied;
//! - everything else (`js/`, `css/`, ...): copied as is.
//!
//! Output: `index.htm`, `standalone.htm`, `worker.js`, `worker.wasm` and the
//! copied files.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use minijinja::{Environment, UndefinedBehavior, context};

use crate::bundle::Bundle;
use crate::hashes::{csp_hash, sri};
use crate::wasm::Worker;
use crate::workspace::collect_files;

/// The page template.
pub const PAGE: &str = "index.htm";
/// The single-file page for `file://` (optional).
pub const STANDALONE: &str = "standalone.htm";
/// The worker script template (output keeps the name).
pub const WORKER_SCRIPT: &str = "worker.js";
/// index.htm's inline script that sends a `file://` visit to standalone.htm.
const DISK_REDIRECT: &str = "_open-from-disk.js";
/// standalone.htm's first inline script: reports a refused (altered) script or style.
const STANDALONE_GUARD: &str = "_standalone-guard.js";
/// The module the page starts from.
const ENTRY_MODULE: &str = "js/main.js";
/// The worker's WASM module in the bundle.
pub const WORKER_WASM: &str = "worker.wasm";

/// The page's Content Security Policy; `{importmap}` becomes the import map's hash.
///
/// - scripts only from this origin, no eval, WASM compilation allowed;
/// - the worker starts from a `blob:` holding the integrity-checked worker.js;
///   the service worker (sw.js, which installs the app) from this origin;
/// - network: this origin, WebSockets anywhere (trackers and relays are
///   user-configurable; WebRTC itself is not governed by CSP), and http(s)
///   anywhere for the relays' NIP-11 documents (their limits: a `ws://` relay,
///   such as `builder serve` on a LAN, publishes its document over `http://`).
///   A page able to open a WebSocket to any host gains no reach from either.
const CSP: &[&str] = &[
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval' {inline}",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self' ws: wss: http: https:",
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
];

/// standalone.htm's policy: as [`CSP`], but nothing from 'self' (a `file://`
/// page has no origin to trust): only the inline scripts and styles whose
/// hashes `{scripts}` and `{styles}` name.
const STANDALONE_CSP: &[&str] = &[
    "default-src 'none'",
    "script-src 'wasm-unsafe-eval' {scripts}",
    "style-src {styles}",
    "img-src data: blob:",
    "connect-src ws: wss: http: https:",
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
    let mut inline_scripts = BTreeMap::new();
    for file in files {
        let relative = relative_path(templates, &file);
        let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
        if relative.starts_with('_') && relative.ends_with(".js") {
            let text = String::from_utf8(bytes)
                .with_context(|| format!("{} is not UTF-8", file.display()))?;
            inline_scripts.insert(relative, text);
        } else if relative == PAGE
            || relative == WORKER_SCRIPT
            || relative == STANDALONE
            || relative.starts_with('_')
        {
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
    let first = if bundle.get(ENTRY_MODULE).is_some() {
        crate::modules::static_graph(&bundle, ENTRY_MODULE)?
    } else {
        Vec::new()
    };
    let preload: Vec<&Module> = modules.iter().filter(|m| first.contains(&m.path)).collect();
    let disk_redirect = inline_scripts
        .get(DISK_REDIRECT)
        .cloned()
        .unwrap_or_default();
    let mut page_hashes = vec![csp_hash(&importmap)];
    if !disk_redirect.is_empty() {
        page_hashes.push(csp_hash(&disk_redirect));
    }
    let csp = CSP.join("; ").replace("{inline}", &page_hashes.join(" "));
    let page = env
        .get_template(PAGE)
        .context("templates/index.htm is missing")?
        .render(context! {
            sri => &integrity,
            modules => minijinja::Value::from(minijinja::value::Serde(&modules)),
            // Preloaded: what the login form needs; the rest loads while the user types.
            preload => minijinja::Value::from(minijinja::value::Serde(&preload)),
            importmap => minijinja::Value::from_safe_string(importmap),
            disk_redirect => minijinja::Value::from_safe_string(disk_redirect),
            csp => csp,
        })
        .context("rendering templates/index.htm")?;
    if env.get_template(STANDALONE).is_ok() {
        let standalone = render_standalone(&env, &bundle, &integrity, &inline_scripts)?;
        bundle.insert(STANDALONE, standalone.into_bytes());
    }
    bundle.insert(PAGE, page.into_bytes());
    Ok(bundle)
}

/// standalone.htm: the app in one file (see the module docs).
fn render_standalone(
    env: &Environment,
    bundle: &Bundle,
    integrity: &BTreeMap<String, String>,
    inline_scripts: &BTreeMap<String, String>,
) -> Result<String> {
    let guard = inline_scripts
        .get(STANDALONE_GUARD)
        .with_context(|| format!("templates/{STANDALONE_GUARD} is missing"))?;
    let app = crate::modules::join_modules(bundle, ENTRY_MODULE)
        .context("joining the page's modules for standalone.htm")?;
    let mut styles = String::new();
    for path in bundle.paths().filter(|p| p.ends_with(".css")) {
        let text = std::str::from_utf8(bundle.get(path).expect("listed path"))
            .with_context(|| format!("{path} is not UTF-8"))?;
        if text.to_ascii_lowercase().contains("</style") {
            bail!("{path} contains \"</style\", which would end the inline style early");
        }
        styles.push_str(text);
    }
    let csp = STANDALONE_CSP
        .join("; ")
        .replace(
            "{scripts}",
            &format!("{} {}", csp_hash(guard), csp_hash(&app)),
        )
        .replace("{styles}", &csp_hash(&styles));
    let embedded = |path: &str| -> Result<String> {
        Ok(STANDARD.encode(
            bundle
                .get(path)
                .with_context(|| format!("{path} is missing from the bundle"))?,
        ))
    };
    env.get_template(STANDALONE)
        .expect("checked")
        .render(context! {
            sri => integrity,
            csp => csp,
            guard => minijinja::Value::from_safe_string(guard.clone()),
            app => minijinja::Value::from_safe_string(app),
            styles => minijinja::Value::from_safe_string(styles),
            // base64 has no character HTML would escape inside a raw-text element.
            worker_base64 => minijinja::Value::from_safe_string(embedded(WORKER_SCRIPT)?),
            wasm_base64 => minijinja::Value::from_safe_string(embedded(WORKER_WASM)?),
        })
        .context("rendering templates/standalone.htm")
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
