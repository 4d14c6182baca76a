//! What `builder serve` may hand out: exactly the files `dist/MANIFEST`
//! lists (and MANIFEST itself), found by a path made only of plain segments.
//!
//! No request path ever reaches the filesystem as such. A path is first
//! checked segment by segment ([`plain_path`]): ASCII letters, digits, `.`,
//! `_` and `-`, no leading dot, no Windows drive (`C:`), no device name
//! (`CON`, `COM1`, `nul.txt`, …), no trailing dot. It must then be listed in
//! MANIFEST, and the file it names is canonicalized and must still lie under
//! the canonical `dist/` (a symlink cannot lead out).

use std::path::{Path, PathBuf};

use crate::bundle::{MANIFEST, parse_manifest};

/// Longest URL path considered at all.
const MAX_PATH: usize = 1024;

/// Why a request for a path got no file.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The path is not made of plain segments (400).
    BadPath,
    /// A plain path that is not part of the bundle (404).
    NotFound,
    /// dist/ or its MANIFEST could not be read (500), with the reason.
    Unreadable(String),
}

/// Names Windows reserves for devices in every directory, with any extension.
const DEVICE_NAMES: &[&str] = &[
    "con", "prn", "aux", "nul", "com0", "com1", "com2", "com3", "com4", "com5", "com6", "com7",
    "com8", "com9", "lpt0", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
    "conin$", "conout$",
];

fn plain_segment(segment: &str) -> bool {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    if segment.is_empty()
        || segment.len() > 255
        || !segment.bytes().all(allowed)
        || segment.starts_with('.')
        || segment.ends_with('.')
    {
        return false;
    }
    let stem = segment.split('.').next().unwrap_or(segment);
    !DEVICE_NAMES.iter().any(|d| stem.eq_ignore_ascii_case(d))
}

/// The bundle-relative path of a URL path (query and fragment already
/// removed), if it is made of plain segments only. Percent-escapes are
/// decoded first, so an escaped `..`, `\` or `:` is refused like a literal one.
pub fn plain_path(url_path: &str) -> Option<String> {
    if url_path.len() > MAX_PATH {
        return None;
    }
    let decoded = percent_decode(url_path)?;
    let relative = decoded.strip_prefix('/')?;
    let segments: Vec<&str> = relative.split('/').collect();
    segments
        .iter()
        .all(|s| plain_segment(s))
        .then(|| segments.join("/"))
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The served directory.
#[derive(Debug, Clone)]
pub struct Site {
    root: PathBuf,
}

impl Site {
    /// Serves the bundle in `root` (normally dist/).
    pub fn new(root: PathBuf) -> Self {
        Site { root }
    }

    /// The bytes a request for `url_path` gets, with the bundle path they
    /// were found under. MANIFEST is read on every request, so a rebuild
    /// while serving is picked up at once.
    pub fn read(&self, url_path: &str) -> Result<(String, Vec<u8>), Refusal> {
        let relative = plain_path(url_path).ok_or(Refusal::BadPath)?;
        let root = self
            .root
            .canonicalize()
            .map_err(|e| Refusal::Unreadable(format!("{}: {e}", self.root.display())))?;
        if relative != MANIFEST {
            let manifest = std::fs::read_to_string(root.join(MANIFEST))
                .map_err(|e| Refusal::Unreadable(format!("{MANIFEST}: {e}")))?;
            let listed =
                parse_manifest(&manifest).map_err(|e| Refusal::Unreadable(e.to_string()))?;
            if !listed.contains_key(&relative) {
                return Err(Refusal::NotFound);
            }
        }
        let file = contained(&root, &relative).ok_or(Refusal::NotFound)?;
        let bytes = std::fs::read(&file).map_err(|_| Refusal::NotFound)?;
        Ok((relative, bytes))
    }
}

/// `root/relative`, canonicalized, if it is a file still under `root`.
fn contained(root: &Path, relative: &str) -> Option<PathBuf> {
    let file = relative
        .split('/')
        .fold(root.to_path_buf(), |path, segment| path.join(segment))
        .canonicalize()
        .ok()?;
    (file.starts_with(root) && file.is_file()).then_some(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_are_accepted() {
        assert_eq!(plain_path("/index.htm").as_deref(), Some("index.htm"));
        assert_eq!(
            plain_path("/js/app-state.js").as_deref(),
            Some("js/app-state.js")
        );
        assert_eq!(plain_path("/MANIFEST").as_deref(), Some("MANIFEST"));
        assert_eq!(plain_path("/js%2Fapp.js").as_deref(), Some("js/app.js"));
    }

    #[test]
    fn anything_that_could_leave_the_root_or_name_a_device_is_refused() {
        for path in [
            "/",
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/a/../b",
            "/a//b",
            "/./a",
            "/a%5c..%5cb",
            "/a\\b",
            "/.git/config",
            "/%zz",
            "/%00",
            "/D:/secret",
            "/C:/x",
            "/c:",
            "/C%3A/x",
            "/COM1",
            "/com1.txt",
            "/js/NUL",
            "/aux.js",
            "/LPT9.htm",
            "/CONIN$",
            "/index.htm.",
            "/index.htm ",
            "/ä.js",
            "relative.js",
        ] {
            assert_eq!(plain_path(path), None, "{path}");
        }
        assert_eq!(plain_path(&format!("/{}", "a".repeat(2000))), None);
    }

    #[test]
    fn only_files_listed_in_the_manifest_are_served() {
        let dir = tempfile::tempdir().unwrap();
        let mut bundle = crate::bundle::Bundle::default();
        bundle.insert("index.htm", b"<p>".to_vec());
        bundle.write(dir.path()).unwrap();
        std::fs::write(dir.path().join("secret.txt"), b"not in the bundle").unwrap();
        let site = Site::new(dir.path().to_path_buf());
        assert_eq!(site.read("/index.htm").unwrap().1, b"<p>");
        assert!(site.read("/MANIFEST").is_ok());
        assert_eq!(site.read("/secret.txt"), Err(Refusal::NotFound));
        assert_eq!(site.read("/C:/Windows/win.ini"), Err(Refusal::BadPath));
    }

    #[cfg(unix)]
    #[test]
    fn a_listed_symlink_leading_out_of_the_root_is_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), b"x").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("MANIFEST"),
            format!("{}  link.js\n", "0".repeat(64)),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("link.js"))
            .unwrap();
        let site = Site::new(dir.path().to_path_buf());
        assert_eq!(site.read("/link.js"), Err(Refusal::NotFound));
    }
}
