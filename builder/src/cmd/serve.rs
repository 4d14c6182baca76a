//! `builder serve`: build dist/ if it is missing or stale, then serve it.

use std::net::{IpAddr, SocketAddr};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result};

use crate::bundle::{Bundle, MANIFEST};
use crate::workspace::Workspace;

pub mod gate;
pub mod http;
pub mod interfaces;
pub mod limits;
pub mod relay;
pub mod site;
pub mod tls;
pub mod tracker;

/// Options of `builder serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on; 0.0.0.0 makes the app reachable from the LAN.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on.
    #[arg(long, default_value_t = 9000)]
    port: u16,
    /// Serve dist/ as it is, even if it looks stale.
    #[arg(long)]
    no_build: bool,
    /// Also answer to this host name (repeatable). Localhost names and IP
    /// addresses always work; any other name a browser sends is refused, so
    /// a website cannot reach this server by pointing its own domain here.
    #[arg(long = "allow-host", value_name = "NAME")]
    allow_hosts: Vec<String>,
    /// Serve https and wss with a self-signed certificate (made once, kept in
    /// the data directory; its fingerprint is printed), so other machines on
    /// a LAN get the secure context the app needs.
    #[arg(long)]
    tls: bool,
    /// Where to keep what outlives a run (the mailbox relay's stored mail,
    /// the TLS certificate). Default: the user's data directory
    /// (`$TRUSTERO_DATA_DIR` if set).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<std::path::PathBuf>,
}

/// Why dist/ must be (re)built, if it must.
fn build_reason(ws: &Workspace) -> Result<Option<String>> {
    let dist = ws.dist();
    let Ok(manifest) = std::fs::read_to_string(dist.join(MANIFEST)) else {
        return Ok(Some("dist/ has no MANIFEST".into()));
    };
    let on_disk = Bundle::read_dir(&dist)?;
    if on_disk.manifest() != manifest {
        return Ok(Some("dist/ does not match its MANIFEST".into()));
    }
    let inputs = ws.inputs_digest()?;
    match std::fs::read_to_string(ws.inputs_record()) {
        Ok(recorded) if recorded == inputs => Ok(None),
        Ok(_) => Ok(Some("sources changed since the last build".into())),
        // Never built here (a fresh clone): the committed dist/ belongs to the
        // committed sources, unless git says the sources were edited.
        Err(_) => {
            let edited = Command::new("git")
                .current_dir(ws.root())
                .args([
                    "diff",
                    "--quiet",
                    "HEAD",
                    "--",
                    "templates",
                    "worker",
                    "Cargo.lock",
                    "Cargo.toml",
                ])
                .status()
                .map(|status| status.code() == Some(1))
                .unwrap_or(false);
            Ok(edited.then(|| "sources differ from the committed ones".into()))
        }
    }
}

/// The names a `--tls` certificate covers for `host`: the localhost names,
/// the address listened on or, for every interface (`0.0.0.0`, `::`), this
/// machine's addresses ([`interfaces::local_addresses`]), and the
/// `--allow-host` names.
pub fn certificate_names(host: IpAddr, allow_hosts: &[String]) -> Vec<String> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if host.is_unspecified() {
        let addresses = interfaces::local_addresses().into_iter();
        names.extend(
            addresses
                .filter(|ip| ip.is_ipv4() || host.is_ipv6())
                .map(|ip| ip.to_string()),
        );
    } else {
        names.push(host.to_string());
    }
    names.extend(allow_hosts.iter().cloned());
    let mut seen = std::collections::HashSet::new();
    names.retain(|name| seen.insert(name.clone()));
    names
}

/// Runs `builder serve`.
pub fn run(ws: &Workspace, args: Args) -> Result<ExitCode> {
    let addr = SocketAddr::new(args.host, args.port);
    // Bind first: a taken port should fail before minutes of building.
    let listener = http::bind(addr)?;
    if !args.no_build
        && let Some(reason) = build_reason(ws)?
    {
        eprintln!("building dist/: {reason}");
        super::build::build_into(ws, None)?;
    }
    let manifest = std::fs::read(ws.dist().join(MANIFEST))
        .with_context(|| format!("reading {}", ws.dist().join(MANIFEST).display()))?;
    let shown_host = http::shown_host(args.host);
    let data_dir = args.data_dir.clone().unwrap_or_else(tls::default_data_dir);
    let relay_dir = data_dir.join("serve-relay");
    let tls = if args.tls {
        let names = certificate_names(args.host, &args.allow_hosts);
        let certificate = tls::load_or_create(&data_dir.join("serve-tls"), &names)?;
        println!(
            "TLS certificate for {} (another address or name: add it with --allow-host)",
            names.join(", ")
        );
        println!(
            "TLS certificate SHA-256 {} (kept in {}): compare it with what the browser shows before you accept it",
            certificate.fingerprint,
            certificate.dir.display()
        );
        println!(
            "TLS public key SHA-256 (base64) {}",
            certificate.spki_sha256
        );
        Some(certificate.config)
    } else {
        None
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("bundle hash {}", crate::hashes::sha256_hex(&manifest));
    println!(
        "Trustero is at {scheme}://{shown_host}:{}/index.htm (Ctrl+C stops)",
        args.port
    );
    println!(
        "mailbox relay at {}://{shown_host}:{}{} (mail kept in {})",
        if args.tls { "wss" } else { "ws" },
        args.port,
        http::RELAY_PATH,
        relay_dir.display()
    );
    http::serve(
        listener,
        http::Options {
            root: ws.dist(),
            allowed_hosts: args.allow_hosts,
            tls,
            relay_dir,
            limits: limits::Limits::default(),
        },
    )?;
    Ok(ExitCode::SUCCESS)
}
