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
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            write_private(&key_path, &key)?;
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

/// Writes a private key readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("restricting {}", path.display()))?;
    }
    Ok(())
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
}
