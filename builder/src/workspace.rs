//! Where things are: the workspace root and the paths derived from it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::hashes::sha256_hex;

/// The Trustero source tree the builder works on.
#[derive(Debug, Clone)]
pub struct Workspace {
    root: PathBuf,
}

/// Sources whose change means dist/ must be rebuilt.
const INPUTS: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "rust-toolchain.toml",
    "worker/Cargo.toml",
    "worker/src",
    "templates",
];

impl Workspace {
    /// Uses `explicit`, or walks up from the current directory to the first
    /// directory holding both `Cargo.toml` and `templates/`.
    pub fn locate(explicit: Option<PathBuf>) -> Result<Self> {
        let start = match explicit {
            Some(root) => {
                return Self::at(&root).with_context(|| format!("--root {}", root.display()));
            }
            None => std::env::current_dir().context("reading the current directory")?,
        };
        for dir in start.ancestors() {
            if dir.join("Cargo.toml").is_file() && dir.join("templates").is_dir() {
                return Self::at(dir);
            }
        }
        bail!(
            "no Trustero workspace (Cargo.toml + templates/) at or above {}: run from the repository or pass --root",
            start.display()
        )
    }

    fn at(root: &Path) -> Result<Self> {
        let root = root
            .canonicalize()
            .with_context(|| format!("resolving {}", root.display()))?;
        if !root.join("templates").is_dir() {
            bail!("{} has no templates/ directory", root.display());
        }
        Ok(Workspace { root })
    }

    /// The workspace root (absolute).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `templates/`.
    pub fn templates(&self) -> PathBuf {
        self.root.join("templates")
    }

    /// `dist/`, the committed bundle.
    pub fn dist(&self) -> PathBuf {
        self.root.join("dist")
    }

    /// Cargo target directory of bundle builds, apart from everyday builds so
    /// the two never invalidate each other.
    pub fn bundle_target(&self) -> PathBuf {
        self.root.join("target").join("bundle")
    }

    /// Where the digest of the inputs of the last build is recorded.
    pub fn inputs_record(&self) -> PathBuf {
        self.bundle_target().join("inputs.sha256")
    }

    /// SHA-256 over the paths and contents of every build input, in order.
    pub fn inputs_digest(&self) -> Result<String> {
        let mut files = Vec::new();
        for input in INPUTS {
            collect_files(&self.root.join(input), &mut files)?;
        }
        files.sort();
        let mut listing = String::new();
        for file in files {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let relative = file.strip_prefix(&self.root).unwrap_or(&file);
            listing.push_str(&format!("{}  {}\n", sha256_hex(&bytes), relative.display()));
        }
        Ok(sha256_hex(listing.as_bytes()))
    }
}

/// Every regular file under `path` (or `path` itself).
pub fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if meta.is_file() {
        out.push(path.to_path_buf());
    } else if meta.is_dir() {
        for entry in
            std::fs::read_dir(path).with_context(|| format!("listing {}", path.display()))?
        {
            let entry = entry.with_context(|| format!("listing {}", path.display()))?;
            collect_files(&entry.path(), out)?;
        }
    }
    Ok(())
}
