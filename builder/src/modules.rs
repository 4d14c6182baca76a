//! Joins the page's ES modules into one classic script, for standalone.htm.
//!
//! A page opened from disk (`file://`) has the opaque origin `null`: Chromium
//! refuses its module imports and every `fetch`, so the served page's module
//! graph cannot load there. Inline classic scripts do run, pinned by their
//! CSP hash. This module turns the graph under `js/main.js` into one such
//! script, every module a function scope in dependency order, so the disk
//! copy runs the very same source files as the served one.
//!
//! It understands exactly the module style this project writes (Prettier
//! formatted; see docs/decisions.md) and refuses anything else, so a new
//! construct fails the build instead of producing a page that breaks:
//! - `import { a, b as c } from './x.js';` (one or several lines) and
//!   `import * as x from './x.js';`, relative paths only;
//! - `export function|async function|const|class NAME` and `export { a, b };`;
//! - `import('./x.js')` (a dynamic import) in code: the module is joined
//!   too and the call becomes a promise of it. JSDoc's type imports,
//!   `import('./x.js').Name`, are told apart by the `.` that follows.
//!
//! Bindings are copied at import time rather than kept live, which is sound
//! because no module exports a `let` (refused) and the graph has no cycles
//! (refused): every module is fully evaluated before its importers run.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, bail};

use crate::bundle::Bundle;

/// The registry's name inside the joined script; no module may declare it.
const REGISTRY: &str = "trusteroModules$";

/// One module, rewritten: its imports became reads from the registry.
#[derive(Debug)]
struct Module {
    dependencies: Vec<String>,
    /// Of `dependencies`, those only imported dynamically.
    dynamic: Vec<String>,
    body: String,
    exports: Vec<String>,
}

/// The modules reachable from `entry`, joined into one classic script.
pub fn join_modules(bundle: &Bundle, entry: &str) -> Result<String> {
    let mut parsed = BTreeMap::new();
    let mut order = Vec::new();
    visit(bundle, entry, &mut parsed, &mut BTreeSet::new(), &mut order)?;
    let mut script = format!(
        "'use strict';\n// Trustero's page modules, joined by the builder (builder/src/modules.rs).\n(() => {{\nconst {REGISTRY} = new Map();\n"
    );
    for path in &order {
        let module: &Module = &parsed[path];
        script.push_str(&format!(
            "// ---- {path} ----\n{REGISTRY}.set({path:?}, (() => {{\n{}\nreturn Object.freeze({{ {} }});\n}})());\n",
            module.body.trim_end(),
            module.exports.join(", ")
        ));
    }
    script.push_str("})();\n");
    if script.to_ascii_lowercase().contains("</script") {
        bail!("a module contains \"</script\", which would end the inline script early");
    }
    Ok(script)
}

/// Depth-first: dependencies before dependants; a cycle is an error.
fn visit(
    bundle: &Bundle,
    path: &str,
    parsed: &mut BTreeMap<String, Module>,
    in_progress: &mut BTreeSet<String>,
    order: &mut Vec<String>,
) -> Result<()> {
    if parsed.contains_key(path) {
        return Ok(());
    }
    if !in_progress.insert(path.to_owned()) {
        bail!(
            "{path} imports itself through a cycle: standalone.htm needs an acyclic module graph"
        );
    }
    let bytes = bundle
        .get(path)
        .with_context(|| format!("{path} is imported but not in the bundle"))?;
    let text = std::str::from_utf8(bytes).with_context(|| format!("{path} is not UTF-8"))?;
    let module = parse(path, text)?;
    for dependency in &module.dependencies {
        visit(bundle, dependency, parsed, in_progress, order)?;
    }
    in_progress.remove(path);
    parsed.insert(path.to_owned(), module);
    order.push(path.to_owned());
    Ok(())
}

/// Rewrites one module's imports and exports (see the module docs).
fn parse(path: &str, text: &str) -> Result<Module> {
    let mut module = Module {
        dependencies: Vec::new(),
        dynamic: Vec::new(),
        body: String::with_capacity(text.len()),
        exports: Vec::new(),
    };
    let mut pending_import: Option<String> = None;
    for (index, line) in text.lines().enumerate() {
        let at = || format!("{path}:{}", index + 1);
        if line.contains(REGISTRY) {
            bail!(
                "{}: the name {REGISTRY} is reserved for the joined script",
                at()
            );
        }
        if let Some(statement) = pending_import.as_mut() {
            statement.push(' ');
            statement.push_str(line.trim());
            if line.trim_end().ends_with(';') {
                let statement = pending_import.take().expect("pending");
                module.body.push_str(
                    &import(path, &statement, &mut module.dependencies).with_context(at)?,
                );
                module.body.push('\n');
            }
            continue;
        }
        if line.starts_with("import ") {
            if line.trim_end().ends_with(';') {
                module
                    .body
                    .push_str(&import(path, line, &mut module.dependencies).with_context(at)?);
                module.body.push('\n');
            } else {
                pending_import = Some(line.trim().to_owned());
            }
        } else if let Some(rest) = line.strip_prefix("export ") {
            module
                .body
                .push_str(&export(rest, &mut module.exports).with_context(at)?);
            module.body.push('\n');
        } else {
            let line = dynamic_imports(path, line, &mut module.dynamic).with_context(at)?;
            module.body.push_str(&line);
            module.body.push('\n');
        }
    }
    module.dependencies.extend(module.dynamic.iter().cloned());
    if pending_import.is_some() {
        bail!("{path}: an import statement never ends with ';'");
    }
    Ok(module)
}

/// `import('./x.js')` not followed by `.` → `Promise.resolve(registry.get('js/x.js'))`.
fn dynamic_imports(path: &str, line: &str, dynamic: &mut Vec<String>) -> Result<String> {
    const CALL: &str = "import('";
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find(CALL) {
        let after = &rest[at + CALL.len()..];
        let Some(end) = after.find("')") else {
            bail!("an import( call this joiner cannot read: {line}");
        };
        let specifier = &after[..end];
        let tail = &after[end + 2..];
        out.push_str(&rest[..at]);
        if tail.starts_with('.') || !specifier.starts_with('.') {
            // A JSDoc type import (or not ours): left as it is.
            out.push_str(&rest[at..at + CALL.len() + end + 2]);
        } else {
            let target = resolve(path, specifier)?;
            out.push_str(&format!("Promise.resolve({REGISTRY}.get({target:?}))"));
            dynamic.push(target);
        }
        rest = tail;
    }
    out.push_str(rest);
    Ok(out)
}

/// The modules `entry` imports statically, itself included: what a page
/// needs before `entry` runs (its dynamic imports load later).
pub fn static_graph(bundle: &Bundle, entry: &str) -> Result<Vec<String>> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![entry.to_owned()];
    while let Some(path) = stack.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let bytes = bundle
            .get(&path)
            .with_context(|| format!("{path} is imported but not in the bundle"))?;
        let text = std::str::from_utf8(bytes).with_context(|| format!("{path} is not UTF-8"))?;
        let module = parse(&path, text)?;
        stack.extend(
            module
                .dependencies
                .into_iter()
                .filter(|d| !module.dynamic.contains(d)),
        );
    }
    Ok(seen.into_iter().collect())
}

/// `import { a, b as c } from './x.js';` → `const { a, b: c } = registry.get('js/x.js');`
fn import(path: &str, statement: &str, dependencies: &mut Vec<String>) -> Result<String> {
    let statement = statement.trim().trim_end_matches(';');
    let rest = statement
        .strip_prefix("import ")
        .expect("starts with import");
    let (what, from) = rest
        .rsplit_once(" from ")
        .with_context(|| format!("unsupported import (no `from`): {statement}"))?;
    let specifier = from.trim().trim_matches('\'');
    if from.trim().len() != specifier.len() + 2 || !specifier.starts_with('.') {
        bail!("unsupported import specifier {from} (only relative, single-quoted paths)");
    }
    let target = resolve(path, specifier)?;
    let source = format!("{REGISTRY}.get({target:?})");
    dependencies.push(target);
    let what = what.trim();
    if let Some(name) = what.strip_prefix("* as ") {
        let name = identifier(name.trim())?;
        return Ok(format!("const {name} = {source};"));
    }
    let names = what
        .strip_prefix('{')
        .and_then(|w| w.strip_suffix('}'))
        .with_context(|| format!("unsupported import form: {statement}"))?;
    let mut bindings = Vec::new();
    for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match name.split_once(" as ") {
            Some((imported, local)) => bindings.push(format!(
                "{}: {}",
                identifier(imported.trim())?,
                identifier(local.trim())?
            )),
            None => bindings.push(identifier(name)?.to_owned()),
        }
    }
    Ok(format!("const {{ {} }} = {source};", bindings.join(", ")))
}

/// Strips `export ` from a declaration, or drops an `export { … };` list;
/// the exported names are collected either way.
fn export(rest: &str, exports: &mut Vec<String>) -> Result<String> {
    if let Some(list) = rest.strip_prefix('{') {
        let names = list
            .trim_end()
            .strip_suffix("};")
            .with_context(|| format!("unsupported export list: export {rest}"))?;
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            exports.push(identifier(name)?.to_owned());
        }
        return Ok(String::new());
    }
    let declaration = ["async function ", "function ", "const ", "class "]
        .iter()
        .find_map(|keyword| rest.strip_prefix(keyword))
        .with_context(|| {
            format!("unsupported export (only function, async function, const, class and lists): export {rest}")
        })?;
    let name: String = declaration
        .trim_start_matches('*')
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '$')
        .collect();
    exports.push(identifier(&name)?.to_owned());
    Ok(rest.to_owned())
}

fn identifier(name: &str) -> Result<&str> {
    let valid = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if !valid {
        bail!("{name:?} is not a plain identifier");
    }
    Ok(name)
}

/// `./x.js` or `../core/x.js` against the importing module's folder.
fn resolve(from: &str, specifier: &str) -> Result<String> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for segment in specifier.split('/') {
        match segment {
            "." => {}
            ".." => {
                parts
                    .pop()
                    .with_context(|| format!("{specifier} leaves the bundle from {from}"))?;
            }
            "" => bail!("{specifier} has an empty path segment"),
            name => parts.push(name),
        }
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(files: &[(&str, &str)]) -> Bundle {
        let mut bundle = Bundle::default();
        for (path, text) in files {
            bundle.insert(*path, text.as_bytes().to_vec());
        }
        bundle
    }

    #[test]
    fn dependencies_come_first_and_imports_read_the_registry() {
        let joined = join_modules(
            &bundle(&[
                (
                    "js/main.js",
                    "import {\n  a,\n  b as c,\n} from './core/x.js';\nimport * as y from './y.js';\nexport const z = a + c + y.q;\n",
                ),
                ("js/core/x.js", "export function a() {}\nconst b = 2;\nexport { b };\n"),
                ("js/y.js", "import { a } from './core/x.js';\nexport async function q() { return a; }\n"),
            ]),
            "js/main.js",
        )
        .unwrap();
        let x = joined.find("// ---- js/core/x.js").unwrap();
        let y = joined.find("// ---- js/y.js").unwrap();
        let main = joined.find("// ---- js/main.js").unwrap();
        assert!(x < y && y < main, "{joined}");
        assert!(joined.contains("const { a, b: c } = trusteroModules$.get(\"js/core/x.js\");"));
        assert!(joined.contains("const y = trusteroModules$.get(\"js/y.js\");"));
        assert!(joined.contains("return Object.freeze({ a, b });"));
        assert!(joined.contains("return Object.freeze({ q });"));
        assert!(joined.contains("const z = a + c + y.q;"));
    }

    #[test]
    fn what_the_joiner_does_not_understand_fails_the_build() {
        for (text, why) in [
            ("export let x = 1;\n", "unsupported export"),
            ("export default 3;\n", "unsupported export"),
            ("import x from './x.js';\n", "unsupported import form"),
            ("import { x } from 'https://evil/x.js';\n", "only relative"),
            ("import { x } from '../../x.js';\n", "leaves the bundle"),
            ("import { x } from './missing.js';\n", "not in the bundle"),
            ("import { x\n", "never ends"),
            ("const s = '</script>';\n", "</script"),
            ("const trusteroModules$ = 1;\n", "reserved"),
        ] {
            let error = join_modules(&bundle(&[("js/main.js", text)]), "js/main.js").unwrap_err();
            assert!(format!("{error:#}").contains(why), "{text}: {error:#}");
        }
    }

    #[test]
    fn a_dynamic_import_is_joined_but_not_in_the_static_graph() {
        let files = bundle(&[
            (
                "js/main.js",
                "import { a } from './a.js';\n/** @type {import('./b.js').B} */\nconst later = import('./b.js');\nexport const m = a;\n",
            ),
            ("js/a.js", "export const a = 1;\n"),
            ("js/b.js", "export class B {}\n"),
        ]);
        let joined = join_modules(&files, "js/main.js").unwrap();
        assert!(
            joined.contains("const later = Promise.resolve(trusteroModules$.get(\"js/b.js\"));")
        );
        assert!(joined.contains("{import('./b.js').B}"), "type imports stay");
        assert!(
            joined.find("// ---- js/b.js").unwrap() < joined.find("// ---- js/main.js").unwrap()
        );
        assert_eq!(
            static_graph(&files, "js/main.js").unwrap(),
            ["js/a.js", "js/main.js"]
        );
    }

    #[test]
    fn a_cycle_fails_the_build() {
        let error = join_modules(
            &bundle(&[
                (
                    "js/main.js",
                    "import { b } from './b.js';\nexport const a = 1;\n",
                ),
                (
                    "js/b.js",
                    "import { a } from './main.js';\nexport const b = 1;\n",
                ),
            ]),
            "js/main.js",
        )
        .unwrap_err();
        assert!(format!("{error:#}").contains("cycle"), "{error:#}");
    }
}
