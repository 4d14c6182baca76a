//! `builder serve` as a user meets it: a real process on a real port.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    port: u16,
    _root: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A workspace with a tiny prebuilt dist/, served with --no-build.
fn start() -> Server {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("templates")).unwrap();
    std::fs::write(root.path().join("Cargo.toml"), "[workspace]\n").unwrap();
    let mut bundle = builder::bundle::Bundle::default();
    bundle.insert("index.htm", b"<!doctype html><p>hi</p>".to_vec());
    bundle.insert("worker.wasm", b"\0asm\x01\0\0\0".to_vec());
    bundle.insert("js/app.js", b"export {};".to_vec());
    bundle.write(&root.path().join("dist")).unwrap();
    let port = free_port();
    let child = spawn(root.path(), port);
    wait_until_listening(port);
    Server {
        child,
        port,
        _root: root,
    }
}

fn spawn(root: &Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_builder"))
        .arg("--root")
        .arg(root)
        .args(["serve", "--no-build", "--port", &port.to_string()])
        .arg("--data-dir")
        .arg(root.join("data"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_until_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "builder serve did not start listening"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends raw bytes, returns (status line + headers, body).
fn raw(port: u16, request: &[u8]) -> (String, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    (
        String::from_utf8_lossy(&response[..split]).into_owned(),
        response[split + 4..].to_vec(),
    )
}

fn get(port: u16, path: &str) -> (String, Vec<u8>) {
    raw(
        port,
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        line.split_once(": ")
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

#[test]
fn serve_answers_with_the_right_mime_types_and_security_headers() {
    let server = start();
    let (head, body) = get(server.port, "/worker.wasm");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert_eq!(header(&head, "Content-Type"), Some("application/wasm"));
    assert_eq!(body, b"\0asm\x01\0\0\0");
    let (head, _) = get(server.port, "/js/app.js");
    assert_eq!(
        header(&head, "Content-Type"),
        Some("text/javascript; charset=utf-8")
    );
    let (head, body) = get(server.port, "/index.htm");
    assert_eq!(
        header(&head, "Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(body, b"<!doctype html><p>hi</p>");
    assert_eq!(header(&head, "X-Content-Type-Options"), Some("nosniff"));
    assert!(
        header(&head, "Content-Security-Policy")
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(header(&head, "Referrer-Policy"), Some("no-referrer"));
    let (head, _) = get(server.port, "/MANIFEST");
    assert_eq!(
        header(&head, "Content-Type"),
        Some("text/plain; charset=utf-8")
    );
    let (head, _) = get(server.port, "/");
    assert!(head.starts_with("HTTP/1.1 302"));
    assert_eq!(header(&head, "Location"), Some("/index.htm"));
}

#[test]
fn bad_paths_and_methods_get_clear_errors() {
    let server = start();
    assert!(get(server.port, "/nope.js").0.starts_with("HTTP/1.1 404"));
    assert!(
        get(server.port, "/../../etc/passwd")
            .0
            .starts_with("HTTP/1.1 400")
    );
    assert!(
        get(server.port, "/%2e%2e/Cargo.toml")
            .0
            .starts_with("HTTP/1.1 400")
    );
    let (head, _) = raw(
        server.port,
        b"DELETE /index.htm HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(head.starts_with("HTTP/1.1 405"), "{head}");
}

#[test]
fn windows_drives_device_names_and_escapes_never_reach_the_filesystem() {
    let server = start();
    for path in [
        "/D:/secret",
        "/C:/Windows/win.ini",
        "/C%3A/x",
        "/COM1",
        "/com1.js",
        "/js/NUL",
        "/CON.htm",
        "/LPT1",
        "/..%5c..%5cCargo.toml",
        "/js/..%2f..%2fCargo.toml",
        "/.git/config",
        "/index.htm.",
        "/%00",
    ] {
        let (head, _) = get(server.port, path);
        assert!(head.starts_with("HTTP/1.1 400"), "{path}: {head}");
    }
    // A plain name that is not part of the bundle is simply not there.
    std::fs::write(server._root.path().join("dist/extra.txt"), b"not listed").unwrap();
    assert!(get(server.port, "/extra.txt").0.starts_with("HTTP/1.1 404"));
}

#[test]
fn only_local_names_addresses_and_allowed_hosts_are_answered() {
    let server = start();
    let with_host = |host: &str, path: &str| {
        raw(
            server.port,
            format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .0
    };
    for host in [
        "localhost:9000",
        "127.0.0.1",
        "192.168.0.7:9000",
        "[::1]:9000",
    ] {
        assert!(
            with_host(host, "/index.htm").starts_with("HTTP/1.1 200"),
            "{host}"
        );
    }
    // A rebinding site's own name is refused, for files, the tracker and its URL.
    for path in ["/index.htm", "/local-tracker", "/announce", "/MANIFEST"] {
        let head = with_host("attacker.example", path);
        assert!(head.starts_with("HTTP/1.1 403"), "{path}: {head}");
    }
    let (head, _) = raw(
        server.port,
        b"GET /index.htm HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
}

#[test]
fn allow_host_admits_a_named_host() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("templates")).unwrap();
    let mut bundle = builder::bundle::Bundle::default();
    bundle.insert("index.htm", b"<p>".to_vec());
    bundle.write(&root.path().join("dist")).unwrap();
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_builder"))
        .arg("--root")
        .arg(root.path())
        .args(["serve", "--no-build", "--port", &port.to_string()])
        .arg("--data-dir")
        .arg(root.path().join("data"))
        .args(["--allow-host", "laptop.lan"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        port,
        _root: root,
    };
    wait_until_listening(port);
    let (head, _) = raw(
        server.port,
        b"GET /index.htm HTTP/1.1\r\nHost: laptop.lan:9000\r\nConnection: close\r\n\r\n",
    );
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
}

#[test]
fn hostile_clients_do_not_disturb_others() {
    let server = start();
    // Garbage, an endless header and a silent connection, all at once.
    let (head, _) = raw(server.port, b"\x16\x03\x01 not http at all\r\n\r\n");
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
    let mut huge = b"GET / HTTP/1.1\r\n".to_vec();
    huge.extend(
        std::iter::repeat_n(
            b"X-Junk: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".as_slice(),
            400,
        )
        .flatten(),
    );
    huge.extend_from_slice(b"\r\n");
    let (head, _) = raw(server.port, &huge);
    assert!(head.starts_with("HTTP/1.1 431"), "{head}");
    let _silent = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    let (head, _) = get(server.port, "/index.htm");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let server = start();
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET /index.htm HTTP/1.1\r\nHost: localhost\r\n\r\nHEAD /js/app.js HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    assert_eq!(response.matches("HTTP/1.1 200 OK").count(), 2, "{response}");
}

#[test]
fn a_taken_port_is_reported_clearly() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("templates")).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_builder"))
        .arg("--root")
        .arg(root.path())
        .args(["serve", "--no-build", "--port", &port.to_string()])
        .arg("--data-dir")
        .arg(root.path().join("data"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("port {port}")) && stderr.contains("already in use"),
        "{stderr}"
    );
}
