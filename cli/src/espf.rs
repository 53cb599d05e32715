//! `portabilling espf listen`: receive provisioning events, verify, de-duplicate, fetch the
//! changed entity and hand it on.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use portabilling::espf::{
    tls_config_from_pem, DedupStore, ExecCommand, JsonlFile, Listener, ListenerConfig, Pipeline,
    RequestAuth, Stdout,
};
use portabilling::Error;

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
    #[arg(long)]
    state_file: PathBuf,
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
    let store = DedupStore::open(&args.state_file)
        .map_err(io_error("open the state file", &args.state_file))?;
    let mut builder = Pipeline::builder(auth).dedup(store);
    if !args.no_fetch {
        builder = builder.client(args.conn.client()?);
    }
    let pipeline = match (&args.jsonl, &args.exec) {
        (Some(path), _) => builder
            .hand_off(JsonlFile::open(path).map_err(io_error("open", path))?)
            .build(),
        (None, Some(command)) => builder.hand_off(ExecCommand::shell(command)).build(),
        (None, None) => builder.hand_off(Stdout).build(),
    };
    let mut config = ListenerConfig::new(&args.bind, pipeline);
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
