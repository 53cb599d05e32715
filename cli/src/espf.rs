//! `portabilling espf listen`: receive provisioning events, verify, de-duplicate, fetch the
//! changed entity and hand it on; as a service, with health, readiness and metrics endpoints
//! and a de-dup store in PostgreSQL that replicas share.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use portabilling::espf::{
    tls_config_from_pem, Dedup, DedupOptions, DedupStore, ExecCommand, JsonlFile, Listener,
    ListenerConfig, Metrics, Pipeline, RequestAuth, Stdout,
};
use portabilling::pg::{Database, PgDedup};
use portabilling::{ClientObserver, Error};

/// The `espf` commands.
#[derive(Subcommand, Debug)]
pub enum EspfCommand {
    /// Listen for events from ESPF and hand each one on with its entity.
    Listen(ListenArgs),
}

/// Options of `portabilling espf listen`.
#[derive(Args, Debug)]
pub struct ListenArgs {
    /// The address to listen on, such as 127.0.0.1:8080.
    #[arg(long)]
    bind: String,
    /// Accept `Authorization: Basic` with this USER:PASSWORD.
    #[arg(
        long,
        group = "auth",
        env = "PORTABILLING_ESPF_BASIC",
        hide_env_values = true
    )]
    auth_basic: Option<String>,
    /// Accept `Authorization: <TYPE> <VALUE>` given as TYPE:VALUE.
    #[arg(
        long,
        group = "auth",
        env = "PORTABILLING_ESPF_CUSTOM",
        hide_env_values = true
    )]
    auth_custom: Option<String>,
    /// Accept `Authorization: Signature …` made with this secret (HMAC-SHA1 over the Date).
    #[arg(
        long,
        group = "auth",
        env = "PORTABILLING_ESPF_SIGNATURE",
        hide_env_values = true
    )]
    auth_signature: Option<String>,
    /// The file that remembers handled events, so none runs twice (kept across restarts).
    #[arg(long, required_unless_present = "store", conflicts_with = "store")]
    state_file: Option<PathBuf>,
    /// Remember handled events in PostgreSQL (postgres://…) instead, shared by replicas
    /// behind one URL: a replica claims an event for --lease seconds, renewed while it runs.
    #[arg(long, env = "PORTABILLING_ESPF_STORE", hide_env_values = true)]
    store: Option<String>,
    /// How long a claim on an event lasts in the --store database unless its replica renews
    /// it: when a replica dies, another may run its event this long after.
    #[arg(long, default_value_t = 30)]
    lease: u64,
    /// Append each event and its entity as a JSON line to this file (default: stdout).
    #[arg(long, conflicts_with = "exec")]
    jsonl: Option<PathBuf>,
    /// Run this command for each event, with the event and entity as JSON on stdin; exit 0
    /// acknowledges, 75 asks ESPF to re-send, 65 drops the event.
    #[arg(long)]
    exec: Option<String>,
    /// Serve HTTPS with this certificate chain (PEM).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long)]
    tls_key: Option<PathBuf>,
    /// The largest Date skew accepted, in seconds.
    #[arg(long, default_value_t = 300)]
    max_skew: u64,
    /// Do not fetch the entity: hand on the event alone.
    #[arg(long)]
    no_fetch: bool,
    #[command(flatten)]
    conn: super::Connection,
}

/// An I/O error on the file or address `path`.
fn io_error<'a>(
    action: &'a str,
    path: impl Into<PathBuf> + 'a,
) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |e| Error::io(action, path, e)
}

pub fn run(command: EspfCommand) -> Result<ExitCode, Error> {
    let EspfCommand::Listen(args) = command;
    let auth = match (&args.auth_basic, &args.auth_custom, &args.auth_signature) {
        (Some(basic), None, None) => RequestAuth::parse_basic(basic).map_err(|e| Error::Config(format!("--auth-basic: {e}")))?,
        (None, Some(custom), None) => RequestAuth::parse_custom(custom).map_err(|e| Error::Config(format!("--auth-custom: {e}")))?,
        (None, None, Some(secret)) => RequestAuth::signature(secret),
        _ => {
            return Err(Error::Config(
                "give one of --auth-basic, --auth-custom or --auth-signature: ESPF events must be authenticated".into(),
            ))
        }
    }
    .max_skew(Duration::from_secs(args.max_skew));
    let store: Arc<dyn Dedup> = match (&args.store, &args.state_file) {
        (Some(url), _) => Arc::new(PgDedup::new(
            Database::connect(url)?,
            Duration::from_secs(args.lease),
            DedupOptions::default(),
        )?),
        (None, Some(file)) => {
            Arc::new(DedupStore::open(file).map_err(io_error("open the state file", file))?)
        }
        (None, None) => {
            return Err(Error::Config(
                "give --state-file or --store: handled events must be remembered".into(),
            ))
        }
    };
    let metrics = Arc::new(Metrics::new());
    let mut builder = Pipeline::builder(auth).shared_dedup(store);
    if !args.no_fetch {
        let observer: Arc<dyn ClientObserver> = metrics.clone();
        builder = builder.client(args.conn.builder()?.observer(observer).build()?);
    }
    let pipeline = match (&args.jsonl, &args.exec) {
        (Some(path), _) => builder
            .hand_off(JsonlFile::open(path).map_err(io_error("open", path))?)
            .build(),
        (None, Some(command)) => builder.hand_off(ExecCommand::shell(command)).build(),
        (None, None) => builder.hand_off(Stdout).build(),
    };
    let mut config = ListenerConfig::new(&args.bind, pipeline);
    config.metrics = metrics;
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        let cert_pem = std::fs::read(cert).map_err(io_error("read", cert))?;
        let key_pem = std::fs::read(key).map_err(io_error("read", key))?;
        config.tls = Some(
            tls_config_from_pem(&cert_pem, &key_pem)
                .map_err(|e| Error::Config(format!("--tls-cert/--tls-key: {e}")))?,
        );
    }
    let listener = Listener::start(config).map_err(io_error("listen on", &args.bind))?;
    eprintln!(
        "portabilling: listening for ESPF events on {}",
        listener.url()
    );
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
