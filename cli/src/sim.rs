//! `portabilling sim`: a PortaBilling simulator on 127.0.0.1, for tests.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use portabilling::sim::{CertificateKind, EventTarget, Faults, SimConfig, Simulator};
use portabilling::Error;

/// Options of `portabilling sim`.
#[derive(Args, Debug)]
pub struct SimArgs {
    /// The port (0 picks a free one).
    #[arg(long, default_value_t = 8800)]
    port: u16,
    /// Serve HTTPS with a CA and certificate made at start (the CA is printed).
    #[arg(long)]
    tls: bool,
    /// Also write the CA certificate (PEM) to this file.
    #[arg(long)]
    ca_out: Option<PathBuf>,
    /// Present a bad certificate, to test that clients refuse it.
    #[arg(long, value_parser = ["valid", "expired", "wrong-host", "self-signed"], default_value = "valid")]
    certificate: String,
    /// Accounts to create at start (1,000 to a customer).
    #[arg(long, default_value_t = 100)]
    accounts: usize,
    /// Access token lifetime, in seconds.
    #[arg(long, default_value_t = 3600)]
    token_lifetime: u64,
    /// Sessions stop working after this many calls each.
    #[arg(long)]
    expire_after: Option<u64>,
    /// The most items a list answers with, whatever `limit` asks (as servers that cap it).
    #[arg(long)]
    max_page_size: Option<usize>,
    /// Delay every answer by this many milliseconds before handling its call.
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
    /// The server's response time in milliseconds: each answer leaves this long after its
    /// request arrived, the handling included. Calls on different connections wait in
    /// parallel, so concurrency gains as from a real server.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Probability of dropping the connection after handling a call.
    #[arg(long, default_value_t = 0.0)]
    drop_rate: f64,
    /// Probability of cutting an answer short.
    #[arg(long, default_value_t = 0.0)]
    truncate_rate: f64,
    /// Probability of answering 503.
    #[arg(long, default_value_t = 0.0)]
    unavailable_rate: f64,
    /// The random seed of the faults.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// POST a provisioning event here after each change to an account or customer.
    #[arg(long)]
    events_url: Option<String>,
    /// The Basic credentials (USER:PASSWORD) for --events-url.
    #[arg(
        long,
        requires = "events_url",
        hide_env_values = true,
        env = "PORTABILLING_SIM_EVENTS_AUTH"
    )]
    events_auth: Option<String>,
    /// The login the simulator accepts (default: sim-admin).
    #[arg(long, env = "PORTABILLING_LOGIN")]
    login: Option<String>,
    /// The password the simulator accepts.
    #[arg(long, env = "PORTABILLING_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// The API token the simulator accepts.
    #[arg(long, env = "PORTABILLING_TOKEN", hide_env_values = true)]
    token: Option<String>,
}

/// Runs the simulator. It accepts the credentials given with `--login`, `--password` and
/// `--token` (or their environment variables), or the defaults it prints.
pub fn run(args: SimArgs) -> Result<ExitCode, Error> {
    let defaults = SimConfig::default();
    let certificate = match args.certificate.as_str() {
        "expired" => CertificateKind::Expired,
        "wrong-host" => CertificateKind::WrongHost,
        "self-signed" => CertificateKind::SelfSigned,
        _ => CertificateKind::Valid,
    };
    let config = SimConfig {
        bind: format!("127.0.0.1:{}", args.port),
        tls: args.tls,
        certificate,
        login: args.login.clone().unwrap_or(defaults.login),
        password: args.password.clone().unwrap_or(defaults.password),
        token: args.token.clone().unwrap_or(defaults.token),
        accounts: args.accounts,
        token_lifetime: Duration::from_secs(args.token_lifetime),
        max_page_size: args.max_page_size,
        faults: Faults {
            expire_sessions_after: args.expire_after,
            delay: Duration::from_millis(args.delay_ms),
            latency: Duration::from_millis(args.latency_ms),
            drop_probability: args.drop_rate,
            truncate_probability: args.truncate_rate,
            unavailable_probability: args.unavailable_rate,
            seed: args.seed,
            ..Faults::default()
        },
    };
    let bind = config.bind.clone();
    let sim = Simulator::start(config).map_err(|e| Error::io("start the simulator on", bind, e))?;
    println!("PortaBilling simulator listening on {}", sim.url());
    println!("  login:    {}", sim.login());
    println!("  password: {}", sim.password());
    println!("  token:    {}", sim.token());
    println!("  accounts: {}", args.accounts);
    if let Some(url) = &args.events_url {
        let (user, password) = args
            .events_auth
            .as_deref()
            .and_then(|a| a.split_once(':'))
            .ok_or_else(|| {
                Error::Config("--events-url needs --events-auth USER:PASSWORD".into())
            })?;
        sim.send_events_to(EventTarget::basic(url, user, password))
            .map_err(|e| Error::Config(format!("--events-url {url}: {e}")))?;
        println!("  events:   POSTed to {url}");
    }
    if let Some(pem) = sim.ca_cert_pem() {
        if let Some(path) = &args.ca_out {
            std::fs::write(path, pem).map_err(|e| Error::io("write", path, e))?;
            println!(
                "  CA certificate written to {} (use --ca-cert {})",
                path.display(),
                path.display()
            );
        }
        println!("  CA certificate (trust it with --ca-cert FILE):\n{pem}");
    }
    println!("Press Ctrl-C to stop.");
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
