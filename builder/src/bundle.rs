//! A bundle: the files of dist/ by relative path, its MANIFEST and bundle hash.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::hashes::sha256_hex;
use crate::workspace::collect_files;

/// Name of the manifest file at the bundle root.
pub const MANIFEST: &str = "MANIFEST";

/// The files of a bundle (without MANIFEST, which is derived from them).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Bundle {
    files: BTreeMap<String, Vec<u8>>,
}

impl Bundle {
    /// Adds a file at `path` (relative, `/`-separated).
    pub fn insert(&mut self, path: impl Into<String>, bytes: Vec<u8>) {
        self.files.insert(path.into(), bytes);
    }

    /// The bytes at `path`.
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    /// Every path, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// `sha256sum` lines, sorted by path: `sha256sum -c MANIFEST` checks a copy.
    pub fn manifest(&self) -> String {
        self.files
            .iter()
            .map(|(path, bytes)| format!("{}  {path}\n", sha256_hex(bytes)))
            .collect()
    }

    /// The bundle hash: SHA-256 of MANIFEST.
    pub fn hash(&self) -> String {
        sha256_hex(self.manifest().as_bytes())
    }

    /// Writes the bundle and its MANIFEST to `dir`, removing files that are no
    /// longer part of it.
    pub fn write(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let existing = Bundle::read_dir(dir).unwrap_or_default();
        for stale in existing.paths().filter(|p| !self.files.contains_key(*p)) {
            let path = dir.join(stale);
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        }
        for (relative, bytes) in &self.files {
            let path = dir.join(relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        }
        let manifest = dir.join(MANIFEST);
        std::fs::write(&manifest, self.manifest())
            .with_context(|| format!("writing {}", manifest.display()))?;
        remove_empty_dirs(dir)
    }

    /// Reads every file under `dir` except MANIFEST.
    pub fn read_dir(dir: &Path) -> Result<Bundle> {
        if !dir.is_dir() {
            bail!("{} is not a directory", dir.display());
        }
        let mut paths = Vec::new();
        collect_files(dir, &mut paths)?;
        let mut bundle = Bundle::default();
        for path in paths {
            let relative = path
                .strip_prefix(dir)
                .expect("collect_files stays under dir")
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            if relative == MANIFEST {
                continue;
            }
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            bundle.insert(relative, bytes);
        }
        Ok(bundle)
    }
}

fn remove_empty_dirs(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry
            .with_context(|| format!("listing {}", dir.display()))?
            .path();
        if path.is_dir() {
            remove_empty_dirs(&path)?;
            if std::fs::read_dir(&path)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false)
            {
                std::fs::remove_dir(&path)
                    .with_context(|| format!("removing {}", path.display()))?;
            }
        }
    }
    Ok(())
}

/// Parses `sha256sum`-format lines into path → hex digest.
pub fn parse_manifest(text: &str) -> Result<BTreeMap<String, String>> {
    let mut entries = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let Some((digest, path)) = line.split_once("  ") else {
            bail!("MANIFEST line {} is not `<sha256>  <path>`", number + 1);
        };
        if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            bail!("MANIFEST line {} has no SHA-256 digest", number + 1);
        }
        entries.insert(path.to_owned(), digest.to_ascii_lowercase());
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_is_sorted_sha256sum_format() {
        let mut bundle = Bundle::default();
        bundle.insert("z.js", b"z".to_vec());
        bundle.insert("a/b.css", b"abc".to_vec());
        assert_eq!(
            bundle.manifest(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  a/b.css\n\
             594e519ae499312b29433b7dd8a97ff068defcba9755b6d5d00e84c524d67b06  z.js\n"
        );
        assert_eq!(parse_manifest(&bundle.manifest()).unwrap().len(), 2);
    }

    #[test]
    fn write_then_read_round_trips_and_removes_stale_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("old")).unwrap();
        std::fs::write(dir.path().join("old/stale.js"), b"x").unwrap();
        let mut bundle = Bundle::default();
        bundle.insert("index.htm", b"<p>".to_vec());
        bundle.insert("js/app.js", b"1".to_vec());
        bundle.write(dir.path()).unwrap();
        assert_eq!(Bundle::read_dir(dir.path()).unwrap(), bundle);
        assert!(!dir.path().join("old").exists());
        let manifest = std::fs::read_to_string(dir.path().join(MANIFEST)).unwrap();
        assert_eq!(manifest, bundle.manifest());
    }
}
