//! This machine's network addresses, for `builder serve --tls --host
//! 0.0.0.0`: its certificate must name the addresses other machines of the
//! LAN will type, or browsers report a name mismatch on top of the
//! self-signed warning.
//!
//! Read without a new dependency (and without `unsafe` for `getifaddrs`):
//! on Linux from `/proc/net/fib_trie` (each `/32 host LOCAL` entry is an
//! IPv4 address of this machine) and `/proc/net/if_inet6`; elsewhere, or if
//! `/proc` is missing, the address the system would send from towards a
//! private network and towards the internet (a UDP "connect" only looks the
//! route up: nothing is sent).

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv6Addr, UdpSocket};

/// This machine's addresses that another machine may reach it at: not
/// loopback, not link-local, not unspecified. Empty if none can be read.
pub fn local_addresses() -> Vec<IpAddr> {
    let mut found: BTreeSet<IpAddr> = BTreeSet::new();
    if let Ok(trie) = std::fs::read_to_string("/proc/net/fib_trie") {
        found.extend(ipv4_from_fib_trie(&trie));
        if let Ok(inet6) = std::fs::read_to_string("/proc/net/if_inet6") {
            found.extend(ipv6_from_if_inet6(&inet6));
        }
    } else {
        found.extend(addresses_by_route());
    }
    found.into_iter().filter(|ip| reachable(*ip)).collect()
}

fn reachable(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !(v4.is_loopback() || v4.is_link_local() || v4.is_unspecified()),
        IpAddr::V6(v6) => {
            !(v6.is_loopback() || v6.is_unspecified() || v6.segments()[0] & 0xffc0 == 0xfe80)
        }
    }
}

/// The IPv4 addresses in `/proc/net/fib_trie`: a `|-- a.b.c.d` line
/// followed by a `/32 host LOCAL` line.
fn ipv4_from_fib_trie(trie: &str) -> Vec<IpAddr> {
    let mut found = Vec::new();
    let mut last = None;
    for line in trie.lines() {
        let line = line.trim();
        if let Some(address) = line.strip_prefix("|-- ") {
            last = address.parse::<IpAddr>().ok();
        } else if line.starts_with("/32 host LOCAL")
            && let Some(ip) = last
        {
            found.push(ip);
        }
    }
    found
}

/// The IPv6 addresses in `/proc/net/if_inet6`: 32 hex digits first on each line.
fn ipv6_from_if_inet6(table: &str) -> Vec<IpAddr> {
    table
        .lines()
        .filter_map(|line| {
            let hex = line.split_whitespace().next()?;
            let bits = u128::from_str_radix(hex, 16)
                .ok()
                .filter(|_| hex.len() == 32)?;
            Some(IpAddr::V6(Ipv6Addr::from(bits)))
        })
        .collect()
}

/// The addresses this machine would send from towards a private network and
/// towards the internet (one per family at most): a route lookup, nothing sent.
fn addresses_by_route() -> Vec<IpAddr> {
    let towards: [(&str, &str); 4] = [
        ("0.0.0.0:0", "10.255.255.254:9"),
        ("0.0.0.0:0", "192.0.2.1:9"),
        ("[::]:0", "[fd00::1]:9"),
        ("[::]:0", "[2001:db8::1]:9"),
    ];
    towards
        .iter()
        .filter_map(|(bind, target)| {
            let socket = UdpSocket::bind(bind).ok()?;
            socket.connect(target).ok()?;
            Some(socket.local_addr().ok()?.ip())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernels_tables_are_read() {
        let trie = "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 0.0.0.0\n        /0 universe UNICAST\n     +-- 127.0.0.0/8 2 0 2\n           |-- 127.0.0.1\n              /32 host LOCAL\n        |-- 127.255.255.255\n           /32 link BROADCAST\n     |-- 192.168.1.20\n        /32 host LOCAL\n     |-- 192.168.1.0\n        /24 link UNICAST\n";
        assert_eq!(
            ipv4_from_fib_trie(trie),
            vec![
                IpAddr::from([127, 0, 0, 1]),
                IpAddr::from([192, 168, 1, 20])
            ]
        );
        let inet6 = "00000000000000000000000000000001 01 80 10 80       lo\nfd000000000000000000000000000002 04 40 00 82     eth0\nfe8000000000000000fc00fffe000001 04 40 20 80     eth0\n";
        let v6 = ipv6_from_if_inet6(inet6);
        assert_eq!(v6.len(), 3);
        assert_eq!(v6[1], "fd00::2".parse::<IpAddr>().unwrap());
        let kept: Vec<_> = v6.into_iter().filter(|ip| reachable(*ip)).collect();
        assert_eq!(kept, vec!["fd00::2".parse::<IpAddr>().unwrap()]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_route_fallback_finds_addresses_the_tables_list() {
        let listed = local_addresses();
        for ip in addresses_by_route().into_iter().filter(|ip| reachable(*ip)) {
            assert!(listed.contains(&ip), "{ip} not in {listed:?}");
        }
    }
}
