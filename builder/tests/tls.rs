//! `builder serve --tls --host 0.0.0.0`: the certificate covers this
//! machine's own addresses, so that other machines of the LAN reach it by
//! address without a name mismatch.

mod common;

use std::net::IpAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, ServerName};

/// This machine's global addresses, as `ip -o addr` lists them (a source
/// independent of the server's).
#[cfg(target_os = "linux")]
fn addresses_from_ip_command() -> Vec<IpAddr> {
    let output = Command::new("ip")
        .args(["-o", "addr", "show", "scope", "global"])
        .output()
        .expect("the `ip` command (iproute2) lists this machine's addresses");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            words.find(|w| *w == "inet" || *w == "inet6")?;
            words.next()?.split('/').next()?.parse().ok()
        })
        .collect()
}

#[cfg(target_os = "linux")]
#[test]
fn the_certificate_for_every_interface_names_this_machines_addresses() {
    let addresses = addresses_from_ip_command();
    assert!(
        addresses.iter().any(IpAddr::is_ipv4),
        "this machine has no global IPv4 address to check"
    );
    // 0.0.0.0 listens on IPv4 only; `::` on both families.
    for (host, families) in [("0.0.0.0", [true, false]), ("::", [true, true])] {
        let root = common::site();
        let server = common::start(root.path(), &["--tls", "--host", host]);
        // It listens before it makes the certificate; names.txt is written last.
        let made = root.path().join("data/serve-tls/names.txt");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !made.exists() {
            assert!(
                Instant::now() < deadline,
                "--host {host}: no certificate made"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let der = std::fs::read(root.path().join("data/serve-tls/cert.der")).unwrap();
        drop(server);
        let der = CertificateDer::from(der);
        let certificate = webpki::EndEntityCert::try_from(&der).unwrap();
        let covers = |ip: IpAddr| {
            certificate
                .verify_is_valid_for_subject_name(&ServerName::IpAddress(ip.into()))
                .is_ok()
        };
        for ip in &addresses {
            let expected = if ip.is_ipv4() {
                families[0]
            } else {
                families[1]
            };
            assert_eq!(covers(*ip), expected, "--host {host}: {ip}");
        }
        assert!(covers(IpAddr::from([127, 0, 0, 1])));
        assert!(!covers(IpAddr::from([203, 0, 113, 7])));
        let localhost = ServerName::try_from("localhost").unwrap();
        assert!(
            certificate
                .verify_is_valid_for_subject_name(&localhost)
                .is_ok()
        );
    }
}
