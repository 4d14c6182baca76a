//! `builder serve --tls`: https and wss for a LAN with no internet. Browsers
//! allow WebCrypto only in a secure context (https, or http on localhost), so
//! phones and laptops that load the app from another machine need TLS.
//!
//! The certificate is self-signed (no authority exists offline), made once
//! and kept under the data directory so its fingerprint stays the same
//! across restarts: a user compares the fingerprint printed at start with the
//! one the browser shows, once per device. It is made again when the names it
//! must cover change.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use base64::Engine;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

use crate::hashes::sha256_hex;

/// The serving certificate and what identifies it.
#[derive(Debug)]
pub struct Certificate {
    /// The rustls configuration to accept connections with.
    pub config: Arc<rustls::ServerConfig>,
    /// SHA-256 of the certificate (DER), as browsers show it.
    pub fingerprint: String,
    /// Base64 SHA-256 of its public key (SPKI): what Chromium's
    /// `--ignore-certificate-errors-spki-list` takes.
    pub spki_sha256: String,
    /// Where it is kept.
    pub dir: PathBuf,
}

/// The names a certificate covers, one per line (a change makes a new one).
fn names_text(names: &[String]) -> String {
    let mut sorted = names.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted.join("\n") + "\n"
}

/// Loads the certificate kept in `dir` if it covers exactly `names`, or
/// makes (and keeps) a new one.
pub fn load_or_create(dir: &Path, names: &[String]) -> Result<Certificate> {
    let cert_path = dir.join("cert.der");
    let key_path = dir.join("key.der");
    let names_path = dir.join("names.txt");
    let wanted = names_text(names);
    let kept = std::fs::read_to_string(&names_path).ok();
    let (cert, key) = match (kept, std::fs::read(&cert_path), std::fs::read(&key_path)) {
        (Some(kept), Ok(cert), Ok(key)) if kept == wanted => (cert, key),
        _ => {
            let made = rcgen::generate_simple_self_signed(names.to_vec())
                .context("making a self-signed certificate")?;
            let cert = made.cert.der().to_vec();
            let key = made.signing_key.serialize_der();
            private_dir(dir)?;
            write_private(dir, &key_path, &key)?;
            std::fs::write(&cert_path, &cert)
                .with_context(|| format!("writing {}", cert_path.display()))?;
            std::fs::write(&names_path, &wanted)
                .with_context(|| format!("writing {}", names_path.display()))?;
            (cert, key)
        }
    };
    let spki = spki_of(&key)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.clone())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
        )
        .context("loading the TLS certificate")?;
    Ok(Certificate {
        config: Arc::new(config),
        fingerprint: sha256_hex(&cert),
        spki_sha256: base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&spki)),
        dir: dir.to_path_buf(),
    })
}

/// The SubjectPublicKeyInfo of a PKCS#8 key.
fn spki_of(pkcs8: &[u8]) -> Result<Vec<u8>> {
    let pair = rcgen::KeyPair::try_from(pkcs8).context("reading the kept TLS key")?;
    Ok(rcgen::PublicKeyData::subject_public_key_info(&pair))
}

/// Makes `dir` (and its parents) if missing, and leaves it to its owner
/// only (mode 0700 on Unix, also when it existed with a wider mode).
fn private_dir(dir: &Path) -> Result<()> {
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    match builder.create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(|| format!("creating {}", dir.display())),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("restricting {} to its owner", dir.display()))?;
    }
    Ok(())
}

/// Writes a private key readable by its owner only, with no moment where it
/// is not: a new file under a temporary name, created exclusively (never an
/// existing file, nor through a link planted there) with mode 0600, then
/// renamed over `path` (which replaces a link rather than following it).
fn write_private(dir: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let temporary = dir.join(format!(".key.der.{}.new", std::process::id()));
    // A leftover of an interrupted run (a link is removed, not followed).
    let _ = std::fs::remove_file(&temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&temporary)
        .with_context(|| format!("creating {}", temporary.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, path)
        .with_context(|| format!("moving the new key to {}", path.display()))
}

/// Where `builder serve` keeps what outlives it (the TLS certificate, and the
/// LAN mailbox's database): the user's data directory, or `$TRUSTERO_DATA_DIR`.
pub fn default_data_dir() -> PathBuf {
    let env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = env("TRUSTERO_DATA_DIR") {
        return dir;
    }
    // The platform's place for application data.
    let base = if cfg!(windows) {
        env("APPDATA")
    } else if cfg!(target_os = "macos") {
        env("HOME").map(|home| home.join("Library/Application Support"))
    } else {
        env("XDG_DATA_HOME").or_else(|| env("HOME").map(|home| home.join(".local/share")))
    };
    base.unwrap_or_else(|| PathBuf::from(".")).join("trustero")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_certificate_is_reused_until_its_names_change() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let first = load_or_create(dir.path(), &names).unwrap();
        let again = load_or_create(dir.path(), &names).unwrap();
        assert_eq!(
            first.fingerprint, again.fingerprint,
            "the same certificate across restarts"
        );
        assert_eq!(first.spki_sha256, again.spki_sha256);
        let wider = load_or_create(
            dir.path(),
            &[names.clone(), vec!["laptop.lan".to_owned()]].concat(),
        )
        .unwrap();
        assert_ne!(
            first.fingerprint, wider.fingerprint,
            "new names, new certificate"
        );
        assert_eq!(first.fingerprint.len(), 64);
    }

    #[cfg(unix)]
    #[test]
    fn the_key_is_made_owner_only_in_an_owner_only_folder_and_no_planted_link_is_followed() {
        use std::os::unix::fs::PermissionsExt;
        let data = tempfile::tempdir().unwrap();
        let dir = data.path().join("serve-tls");
        // A folder left readable by everyone, with a link planted where the
        // key goes, pointing at a file someone else could read.
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let planted = data.path().join("planted");
        std::fs::write(&planted, b"").unwrap();
        std::os::unix::fs::symlink(&planted, dir.join("key.der")).unwrap();
        load_or_create(&dir, &["localhost".to_owned()]).unwrap();
        assert!(
            std::fs::read(&planted).unwrap().is_empty(),
            "the key went through the planted link"
        );
        let mode = |path: &Path| {
            std::fs::symlink_metadata(path)
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode(&dir), 0o700);
        let key = dir.join("key.der");
        assert!(
            std::fs::symlink_metadata(&key)
                .unwrap()
                .file_type()
                .is_file()
        );
        assert_eq!(mode(&key), 0o600);
        // Made again (new names): still owner-only, and a fresh folder is too.
        load_or_create(&dir, &["laptop.lan".to_owned()]).unwrap();
        assert_eq!(mode(&key), 0o600);
        let fresh = data.path().join("a").join("serve-tls");
        load_or_create(&fresh, &["localhost".to_owned()]).unwrap();
        assert_eq!(mode(&fresh), 0o700);
        assert_eq!(mode(&fresh.join("key.der")), 0o600);
    }
}
