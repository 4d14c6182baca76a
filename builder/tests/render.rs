//! The renderer: golden output for a fixture, loud failures, and the real
//! templates pinning every subresource they load.

use std::path::{Path, PathBuf};

use builder::hashes::{csp_hash, sri};
use builder::render::render;
use builder::wasm::Worker;

fn fixture_worker() -> Worker {
    Worker {
        glue: "let wasm_bindgen = /* glue */ {};".into(),
        wasm: b"\0asm\x01\0\0\0fixture".to_vec(),
    }
}

fn here(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn fixture_templates_render_to_the_golden_files() {
    let bundle = render(&here("tests/fixtures/templates"), &fixture_worker()).unwrap();
    let golden = here("tests/golden");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        bundle.write(&golden).unwrap();
    }
    let expected = builder::bundle::Bundle::read_dir(&golden).unwrap();
    for path in bundle.paths() {
        assert_eq!(
            String::from_utf8_lossy(bundle.get(path).unwrap()),
            String::from_utf8_lossy(expected.get(path).unwrap_or_default()),
            "{path} differs from tests/golden (UPDATE_GOLDEN=1 rewrites it after a deliberate change)"
        );
    }
    assert_eq!(bundle, expected);
    assert_eq!(
        std::fs::read_to_string(golden.join("MANIFEST")).unwrap(),
        bundle.manifest()
    );
}

#[test]
fn an_undefined_template_variable_fails_the_build() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.htm"), "{{ sri['js/missing.js'] }}").unwrap();
    std::fs::write(dir.path().join("worker.js"), "{{ glue }}").unwrap();
    let error = render(dir.path(), &fixture_worker()).unwrap_err();
    assert!(format!("{error:#}").contains("index.htm"), "{error:#}");
}

fn attribute_values<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let needle = format!("{name}=\"");
    html.match_indices(&needle)
        .map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

fn unescape(text: &str) -> String {
    text.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

#[test]
fn the_real_page_pins_every_subresource_and_hashes_its_import_map() {
    let bundle = render(&here("../templates"), &fixture_worker()).unwrap();
    let page = String::from_utf8(bundle.get("index.htm").unwrap().to_vec()).unwrap();

    // Every src/href with an integrity attribute carries the right SHA-384.
    let tags: Vec<&str> = page
        .split('<')
        .filter(|t| t.contains("integrity="))
        .collect();
    assert!(
        tags.len() >= 3,
        "stylesheet, modulepreloads and entry script are pinned"
    );
    for tag in tags {
        let target = attribute_values(tag, "href")
            .into_iter()
            .chain(attribute_values(tag, "src"))
            .next();
        let Some(target) = target.map(unescape) else {
            continue;
        };
        let integrity = unescape(attribute_values(tag, "integrity")[0]);
        let bytes = bundle
            .get(&target)
            .unwrap_or_else(|| panic!("{target} is not in the bundle"));
        assert_eq!(integrity, sri(bytes), "{target}");
    }
    // Every module is in the import map with its integrity.
    let importmap = page
        .split("<script type=\"importmap\">")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    for path in bundle.paths().filter(|p| p.starts_with("js/")) {
        assert!(
            importmap.contains(&format!(
                "\"./{path}\":\"{}\"",
                sri(bundle.get(path).unwrap())
            )),
            "{path}"
        );
    }
    // The CSP allows exactly that import map inline and nothing else inline.
    let csp = unescape(attribute_values(&page, "content")[0]);
    assert!(csp.contains(&csp_hash(importmap)), "{csp}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"),
        "{csp}"
    );
    assert!(csp.contains("default-src 'none'"));
    // The worker script pins the WASM, and the page pins the worker script.
    let worker = String::from_utf8(bundle.get("worker.js").unwrap().to_vec()).unwrap();
    assert!(worker.contains(&format!("\"{}\"", sri(bundle.get("worker.wasm").unwrap()))));
    assert!(page.contains(&sri(bundle.get("worker.js").unwrap()).replace('/', "&#x2f;")));
}

/// The texts of every `<tag ...>…</tag>` in `html`, with the opening tag.
fn elements<'a>(html: &'a str, tag: &str) -> Vec<(&'a str, &'a str)> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    html.match_indices(&open)
        .map(|(at, _)| {
            let rest = &html[at..];
            let start = rest.find('>').unwrap();
            let end = rest.find(&close).unwrap();
            (&rest[..start], &rest[start + 1..end])
        })
        .collect()
}

#[test]
fn the_standalone_page_pins_its_inline_code_and_carries_the_exact_worker() {
    use base64::Engine;
    let bundle = render(&here("../templates"), &fixture_worker()).unwrap();
    let page = String::from_utf8(bundle.get("standalone.htm").unwrap().to_vec()).unwrap();
    let csp = unescape(attribute_values(&page, "content")[0]);
    assert!(
        !csp.contains("'self'") && !csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"),
        "{csp}"
    );
    let scripts = elements(&page, "script");
    let (code, data): (Vec<_>, Vec<_>) = scripts
        .iter()
        .partition(|(open, _)| !open.contains("application/octet-stream"));
    assert_eq!(code.len(), 2, "the guard and the joined app");
    for (_, text) in &code {
        assert!(
            csp.contains(&csp_hash(text)),
            "an inline script is not pinned"
        );
    }
    assert!(code[1].1.contains("// ---- js/main.js ----"));
    for (_, text) in elements(&page, "style") {
        assert!(
            csp.contains(&csp_hash(text)),
            "the inline style is not pinned"
        );
    }
    // The data blocks are exactly worker.js and worker.wasm, and the page
    // pins worker.js (which pins the WASM) with the integrity it checks.
    let decoded: Vec<Vec<u8>> = data
        .iter()
        .map(|(_, text)| {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap()
        })
        .collect();
    assert_eq!(decoded[0], bundle.get("worker.js").unwrap());
    assert_eq!(decoded[1], bundle.get("worker.wasm").unwrap());
    assert!(page.contains(&sri(bundle.get("worker.js").unwrap()).replace('/', "&#x2f;")));
    // index.htm sends a file:// visit here with a script its CSP pins.
    let index = String::from_utf8(bundle.get("index.htm").unwrap().to_vec()).unwrap();
    let redirect = elements(&index, "script")
        .into_iter()
        .find(|(_, text)| text.contains("standalone.htm"))
        .unwrap()
        .1;
    assert!(unescape(attribute_values(&index, "content")[0]).contains(&csp_hash(redirect)));
}

/// The `connect-src` of a page's CSP.
fn connect_sources(page: &str) -> Vec<String> {
    unescape(attribute_values(page, "content")[0])
        .split(';')
        .map(str::trim)
        .find_map(|directive| directive.strip_prefix("connect-src "))
        .unwrap()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

#[test]
fn both_pages_may_read_a_lan_relays_nip11_document() {
    // A `ws://` relay (builder serve on a LAN) publishes its limits at the
    // same host over `http://`; a policy that refuses it leaves the page
    // blind to them and logs errors.
    let bundle = render(&here("../templates"), &fixture_worker()).unwrap();
    for name in ["index.htm", "standalone.htm"] {
        let page = String::from_utf8(bundle.get(name).unwrap().to_vec()).unwrap();
        let sources = connect_sources(&page);
        for scheme in ["ws:", "wss:", "http:", "https:"] {
            assert!(sources.iter().any(|s| s == scheme), "{name}: {sources:?}");
        }
    }
}
