//! `builder verify`: rebuild from source and compare, file by file, with
//! dist/, a mirror directory (`--dir`) or a mirror URL (`--url`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::bundle::{Bundle, MANIFEST, parse_manifest};
use crate::hashes::sha256_hex;
use crate::workspace::Workspace;

/// Options of `builder verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Compare with this directory (a mirror copy) instead of dist/.
    #[arg(long, conflicts_with = "url")]
    dir: Option<PathBuf>,
    /// Compare with the bundle served at this URL (e.g. http://host/path/).
    #[arg(long)]
    url: Option<String>,
}

/// Where the copy being checked lives.
#[derive(Debug)]
pub enum Mirror {
    /// A local directory.
    Dir(PathBuf),
    /// A base URL; files are fetched relative to it.
    Url(String),
}

impl Mirror {
    /// The file at `path`, or `None` when the mirror does not have it.
    fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>> {
        match self {
            Mirror::Dir(dir) => {
                let file = dir.join(path);
                match std::fs::read(&file) {
                    Ok(bytes) => Ok(Some(bytes)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(e).with_context(|| format!("reading {}", file.display())),
                }
            }
            Mirror::Url(base) => {
                let url = format!("{}/{path}", base.trim_end_matches('/'));
                match ureq::get(&url).call() {
                    Ok(mut response) => Ok(Some(
                        response
                            .body_mut()
                            .with_config()
                            .limit(64 * 1024 * 1024)
                            .read_to_vec()
                            .with_context(|| format!("reading {url}"))?,
                    )),
                    Err(ureq::Error::StatusCode(404)) => Ok(None),
                    Err(e) => Err(e).with_context(|| format!("fetching {url}")),
                }
            }
        }
    }

    /// Files the mirror has beyond `expected`: every extra file of a
    /// directory; for a URL, what its MANIFEST lists beyond.
    fn extras(&self, expected: &Bundle, mirror_manifest: Option<&str>) -> Result<Vec<String>> {
        let present: Vec<String> = match self {
            Mirror::Dir(dir) => Bundle::read_dir(dir)?.paths().map(str::to_owned).collect(),
            Mirror::Url(_) => match mirror_manifest {
                Some(text) => parse_manifest(text)
                    .unwrap_or_default()
                    .into_keys()
                    .collect(),
                None => Vec::new(),
            },
        };
        Ok(present
            .into_iter()
            .filter(|path| expected.get(path).is_none())
            .collect())
    }

    fn describe(&self) -> String {
        match self {
            Mirror::Dir(dir) => dir.display().to_string(),
            Mirror::Url(url) => url.clone(),
        }
    }
}

/// The outcome for one file.
#[derive(Debug, PartialEq, Eq)]
pub enum Finding {
    /// Identical to the rebuild.
    Same(String),
    /// Present but different.
    Differs {
        /// Relative path.
        path: String,
        /// SHA-256 of the rebuilt file.
        expected: String,
        /// SHA-256 of the mirror's file.
        found: String,
    },
    /// Absent from the mirror.
    Missing(String),
    /// Not part of the bundle, yet in the mirror.
    Extra(String),
}

/// Compares `mirror` with the rebuilt `expected` bundle, MANIFEST included.
pub fn compare(expected: &Bundle, mirror: &Mirror) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    let manifest = expected.manifest();
    let mirror_manifest = mirror.fetch(MANIFEST)?;
    let mirror_manifest_text = mirror_manifest
        .as_deref()
        .map(|b| String::from_utf8_lossy(b).into_owned());
    let files = expected
        .paths()
        .map(|p| (p.to_owned(), expected.get(p).expect("listed").to_vec()))
        .chain(std::iter::once((
            MANIFEST.to_owned(),
            manifest.into_bytes(),
        )));
    for (path, bytes) in files {
        let found = if path == MANIFEST {
            mirror_manifest.clone()
        } else {
            mirror.fetch(&path)?
        };
        findings.push(match found {
            None => Finding::Missing(path),
            Some(found) if found == bytes => Finding::Same(path),
            Some(found) => Finding::Differs {
                path,
                expected: sha256_hex(&bytes),
                found: sha256_hex(&found),
            },
        });
    }
    for extra in mirror.extras(expected, mirror_manifest_text.as_deref())? {
        findings.push(Finding::Extra(extra));
    }
    Ok(findings)
}

/// Prints one line per file and a summary; true when everything matches.
pub fn report(findings: &[Finding], bundle_hash: &str, what: &str) -> bool {
    let mut bad = 0;
    for finding in findings {
        match finding {
            Finding::Same(path) => println!("ok       {path}"),
            Finding::Differs {
                path,
                expected,
                found,
            } => {
                bad += 1;
                println!("DIFFERS  {path}  (rebuilt sha256 {expected}, found {found})");
            }
            Finding::Missing(path) => {
                bad += 1;
                println!("MISSING  {path}");
            }
            Finding::Extra(path) => {
                bad += 1;
                println!("EXTRA    {path}  (not part of the bundle)");
            }
        }
    }
    if bad == 0 {
        println!(
            "verified: {what} matches a rebuild from source ({} files), bundle hash {bundle_hash}",
            findings.len()
        );
        true
    } else {
        println!(
            "MISMATCH: {bad} of {} files in {what} differ from a rebuild from source",
            findings.len()
        );
        false
    }
}

/// Runs `builder verify`.
pub fn run(ws: &Workspace, args: Args) -> Result<ExitCode> {
    let mirror = match (args.dir, args.url) {
        (Some(dir), _) => Mirror::Dir(dir),
        (None, Some(url)) => Mirror::Url(url),
        (None, None) => Mirror::Dir(ws.dist()),
    };
    let expected = super::build::bundle(ws)?;
    let findings = compare(&expected, &mirror)?;
    Ok(if report(&findings, &expected.hash(), &mirror.describe()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bundle {
        let mut bundle = Bundle::default();
        bundle.insert("index.htm", b"<p>hi".to_vec());
        bundle.insert("js/app.js", b"go()".to_vec());
        bundle
    }

    #[test]
    fn identical_copy_verifies() {
        let dir = tempfile::tempdir().unwrap();
        sample().write(dir.path()).unwrap();
        let findings = compare(&sample(), &Mirror::Dir(dir.path().into())).unwrap();
        assert!(findings.iter().all(|f| matches!(f, Finding::Same(_))));
        assert_eq!(findings.len(), 3);
    }

    #[test]
    fn tampered_missing_and_extra_files_are_each_named() {
        let dir = tempfile::tempdir().unwrap();
        sample().write(dir.path()).unwrap();
        std::fs::write(dir.path().join("js/app.js"), b"steal()").unwrap();
        std::fs::remove_file(dir.path().join("index.htm")).unwrap();
        std::fs::write(dir.path().join("evil.js"), b"x").unwrap();
        let findings = compare(&sample(), &Mirror::Dir(dir.path().into())).unwrap();
        assert!(findings.contains(&Finding::Missing("index.htm".into())));
        assert!(findings.contains(&Finding::Extra("evil.js".into())));
        assert!(
            findings
                .iter()
                .any(|f| matches!(f, Finding::Differs { path, .. } if path == "js/app.js"))
        );
        assert!(findings.contains(&Finding::Same(MANIFEST.into())));
        assert!(!report(&findings, "h", "test"));
    }
}
