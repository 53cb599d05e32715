//! TLS: the client refuses TLS below 1.2 even from a server whose certificate it trusts
//! (against `openssl s_server`), and the insecure opt-out warns every time it is used.
//!
//! Self-signed, expired and wrong-host certificates are refused in `tests/client.rs`
//! (`bad_certificates_are_refused_even_from_the_trusted_ca`, and the untrusted CA in
//! `tls_with_a_private_ca_and_refusals_without_it`).
//!
//! These tests need the `openssl` command (Debian's `openssl` package; `.ci/run` installs it).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use portabilling::sim::{SimConfig, Simulator};
use portabilling::{Client, Protocol};

const PROTOCOLS: [Protocol; 2] = [Protocol::Soap, Protocol::Rest];

fn openssl(args: &[&str], dir: &Path) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the `openssl` command is needed (apt-get install openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and a certificate for `localhost` signed by it (ECDSA P-256), made once.
fn pki() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("portabilling-tls-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
        let mut ca = vec!["req", "-x509"];
        ca.extend(ec);
        ca.extend([
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=portabilling test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        openssl(&ca, &dir);
        let mut csr = vec!["req"];
        csr.extend(ec);
        csr.extend([
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]);
        openssl(&csr, &dir);
        std::fs::write(
            dir.join("server.ext"),
            "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.pem",
                "-days",
                "2",
                "-extfile",
                "server.ext",
            ],
            &dir,
        );
        dir
    })
}

/// `openssl s_server` speaking only `version` (`-tls1`, `-tls1_1`, `-tls1_2`), answering
/// HTTP with a status page (`-www`). Killed when dropped.
struct SServer {
    child: Child,
    port: u16,
}

impl SServer {
    fn start(version: &str) -> SServer {
        let dir = pki();
        let mut child = Command::new("openssl")
            .args(["s_server", "-accept", "127.0.0.1:0", "-naccept", "50"])
            .args(["-cert", "server.pem", "-key", "server.key", version])
            // OpenSSL 3 allows TLS 1.0 and 1.1 only at security level 0.
            .args(["-cipher", "DEFAULT:@SECLEVEL=0", "-www"])
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the `openssl` command is needed (apt-get install openssl)");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let port = loop {
            let line = lines
                .next()
                .expect("s_server ended before listening")
                .unwrap();
            if let Some(addr) = line.strip_prefix("ACCEPT ") {
                break addr.rsplit(':').next().unwrap().trim().parse().unwrap();
            }
        };
        // Keep draining its output so that it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        SServer { child, port }
    }

    fn url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }

    /// What `openssl s_client` negotiates with it at `version`: the control that shows the
    /// server really speaks that version with a certificate the CA vouches for.
    fn negotiated(&self, version: &str) -> String {
        let out = Command::new("openssl")
            .args(["s_client", "-connect", &format!("127.0.0.1:{}", self.port)])
            .args(["-servername", "localhost", "-CAfile", "ca.pem", version])
            .args(["-cipher", "DEFAULT:@SECLEVEL=0", "-verify_return_error"])
            .current_dir(pki())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn trusting_client(url: &str, protocol: Protocol) -> Client {
    Client::builder(url)
        .login("api", "password")
        .protocol(protocol)
        .ca_cert_file(pki().join("ca.pem"))
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

#[test]
fn tls_below_1_2_is_refused_even_with_a_trusted_certificate() {
    for (version, name) in [("-tls1_1", "TLSv1.1"), ("-tls1", "TLSv1")] {
        let server = SServer::start(version);
        let control = server.negotiated(version);
        assert!(
            control.contains(&format!("Protocol  : {name}\n"))
                && control.contains("Verify return code: 0 (ok)"),
            "s_server does not speak {name} with a trusted certificate:\n{control}"
        );
        for p in PROTOCOLS {
            let err = trusting_client(&server.url(), p).ping().unwrap_err();
            assert!(err.is_tls(), "{name} {p}: {err}");
            assert!(
                !err.outcome_unknown(),
                "{name} {p}: nothing was sent: {err}"
            );
        }
    }
}

#[test]
fn tls_1_2_from_the_same_server_and_certificate_is_accepted() {
    // The control for the test above: the certificate and CA are fine, so the refusal there
    // is the protocol version.
    let server = SServer::start("-tls1_2");
    assert!(server
        .negotiated("-tls1_2")
        .contains("Protocol  : TLSv1.2\n"));
    for p in PROTOCOLS {
        let c = Client::builder(server.url())
            .login("api", "password")
            .protocol(p)
            .ca_cert_file(pki().join("ca.pem"))
            .read_timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        // s_server's `-www` does not answer a POST: the request went out over the
        // negotiated TLS 1.2 connection, and the answer never came.
        let err = c.ping().unwrap_err();
        assert!(!err.is_tls(), "{p}: TLS 1.2 must work: {err}");
        assert!(
            err.is_timeout() && err.outcome_unknown(),
            "{p}: the request was sent: {err}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// The insecure opt-out.

use crate::support::log_capture;

use log_capture::Capture;

const PER_CALL_WARNING: &str = "TLS certificate verification is DISABLED for this client";

fn tls_sim() -> Simulator {
    Simulator::start(SimConfig {
        accounts: 2,
        tls: true,
        ..SimConfig::default()
    })
    .unwrap()
}

#[test]
fn the_insecure_opt_out_logs_a_warning_on_every_call() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::WARN)
        .with_ansi(false)
        .with_writer(capture.clone())
        .finish();
    let sim = tls_sim();
    let text = || capture.text();
    tracing::subscriber::with_default(subscriber, || {
        for p in PROTOCOLS {
            let before = text();
            let requests = sim.stats().requests;
            let c = Client::builder(sim.url())
                .login(sim.login(), sim.password())
                .protocol(p)
                .danger_disable_tls_verification()
                .build()
                .unwrap();
            let built = text()[before.len()..].to_string();
            assert!(
                built.contains("WARN")
                    && built.contains("TLS certificate verification is disabled"),
                "{p}: no warning when the client was built:\n{built}"
            );
            for i in 1..=3 {
                c.call(
                    "Account",
                    "get_account_info",
                    serde_json::json!({"i_account": 1 + i % 2}),
                )
                .unwrap();
            }
            assert!(c.ping().unwrap());
            let sent = sim.stats().requests - requests;
            let logged = text()[before.len()..].matches(PER_CALL_WARNING).count() as u64;
            assert_eq!(logged, sent, "{p}: one warning per request sent ({sent})");
        }
        // A verifying client says nothing of the kind.
        let before = text();
        let ca = sim.ca_cert_pem().unwrap().to_string();
        let c = Client::builder(sim.url())
            .login(sim.login(), sim.password())
            .ca_cert_pem(ca)
            .build()
            .unwrap();
        assert!(c.ping().unwrap());
        assert!(!text()[before.len()..].contains("DISABLED"), "{}", text());
    });
}

#[test]
fn the_command_line_warns_on_every_insecure_use() {
    let sim = tls_sim();
    let run = |args: &[&str], insecure: bool| {
        let requests = sim.stats().requests;
        let mut c = Command::new(env!("CARGO_BIN_EXE_portabilling"));
        c.args(&args[..1])
            .args(["--url", &sim.url(), "--login", sim.login()])
            .env("PORTABILLING_PASSWORD", sim.password())
            .args(&args[1..]);
        if insecure {
            c.arg("--insecure");
        }
        let out = c.output().unwrap();
        (out, sim.stats().requests - requests)
    };
    for args in [
        &["ping"][..],
        &["call", "Account", "get_account_info", r#"{"i_account": 1}"#],
        &[
            "call",
            "--protocol",
            "rest",
            "Account",
            "get_account_info",
            r#"{"i_account": 2}"#,
        ],
    ] {
        let (out, sent) = run(args, true);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
        assert_eq!(
            stderr
                .matches("WARNING: portabilling: TLS certificate verification is DISABLED")
                .count(),
            1,
            "{args:?}: the build warning, once per run:\n{stderr}"
        );
        assert!(sent >= 2, "a login and a call");
        assert_eq!(
            stderr.matches(PER_CALL_WARNING).count() as u64,
            sent,
            "{args:?}: a warning for each of the {sent} requests:\n{stderr}"
        );
        // Without --insecure the same command is refused: the simulator's CA is not trusted.
        let (out, sent) = run(args, false);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{args:?}: {stderr}");
        assert_eq!(sent, 0);
        assert!(!stderr.contains("DISABLED"), "{stderr}");
    }
}
