//! `portabilling`: the command line over the library.
//!
//! Each subcommand is a few lines over a library call. Commands that talk to a server take the
//! connection options (under their own help heading); the others never connect and do not
//! show them. The exit code tells the kind of failure (see [`EXIT_CODES`]).
// The argument docs are the `--help` text, written for a terminal, not for rustdoc.
#![allow(rustdoc::bare_urls, rustdoc::invalid_html_tags)]
#![forbid(unsafe_code)]

mod batch;
mod demo;
mod espf;
mod export;
mod output;
mod sim;

use std::io::{IsTerminal as _, Read as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, CommandFactory as _, Parser, Subcommand};
use portabilling::auth::{FileStore, SessionStatus, SessionStore};
use portabilling::model::OperationInfo;
use portabilling::pg::{Database, PgSessionStore};
use portabilling::{Client, ClientBuilder, Error, Protocol, RestEncoding, SoapEndpoint};

/// The exit codes, as `--help` lists them.
const EXIT_CODES: &str = "\
Exit codes:
  0    success
  1    another failure (writing the output, …)
  2    bad usage: options, parameters that are not JSON or do not fit, an unknown method
       or service, unknown fields with --strict
  3    authentication failed; `ping`: no live session
  4    the API answered with a fault (its code is the first line on stderr);
       `batch`: some calls got a fault, all others succeeded
  5    transport, TLS, timeout or HTTP error; `batch`: some calls failed otherwise or
       have an unknown outcome
  6    the answer could not be decoded
  130  `batch`: stopped by Ctrl-C or SIGTERM before every call ran (continue with --resume)";

/// A client for the PortaBilling (PortaOne) administrator API, over SOAP or REST.
#[derive(Parser, Debug)]
#[command(name = "portabilling", version, about, long_about = None, after_help = EXIT_CODES)]
struct Cli {
    /// Log more (-v debug, -vv trace); RUST_LOG, when set, chooses instead. Secrets are
    /// always redacted.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// How logs are written on stderr: text, or one JSON object a line.
    #[arg(long, env = "PORTABILLING_LOG_FORMAT", global = true, default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

/// How to reach and authenticate to the server.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Connection")]
pub struct Connection {
    /// The server, such as https://billing.example.com; `:PORT` is http://127.0.0.1:PORT (a
    /// simulator on this machine).
    #[arg(long, env = "PORTABILLING_URL")]
    url: Option<String>,
    /// The API protocol.
    #[arg(long, env = "PORTABILLING_PROTOCOL", default_value = "soap", value_parser = ["soap", "rest"])]
    protocol: String,
    /// The API login.
    #[arg(long, env = "PORTABILLING_LOGIN")]
    login: Option<String>,
    /// The password (prefer the environment variable: command lines are visible to others).
    #[arg(
        long,
        env = "PORTABILLING_PASSWORD",
        hide_env_values = true,
        conflicts_with = "token"
    )]
    password: Option<String>,
    /// An API token instead of a password.
    #[arg(long, env = "PORTABILLING_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Keep the session here, so separate runs and processes share one login: a file (mode
    /// 0600), or postgres://… for every process on every host that uses the database (the
    /// session sealed with the password or token).
    #[arg(
        long,
        alias = "session-file",
        env = "PORTABILLING_SESSION_STORE",
        hide_env_values = true
    )]
    session_store: Option<String>,
    /// At most this many API calls a second (retries and logins included), shared through a
    /// postgres:// session store by every process using the same server and login.
    #[arg(long, env = "PORTABILLING_RATE_LIMIT")]
    rate_limit: Option<f64>,
    /// Also trust the CA certificates in this PEM file.
    #[arg(long)]
    ca_cert: Option<PathBuf>,
    /// Do not verify TLS certificates (DANGEROUS: for test servers only).
    #[arg(long)]
    insecure: bool,
    /// REST request encoding.
    #[arg(long, default_value = "json", value_parser = ["json", "form", "multipart"])]
    rest_encoding: String,
    /// Send SOAP to /Porta/SOAP/<Service>, as older servers take it.
    #[arg(long)]
    legacy_soap_endpoint: bool,
    /// The environment to log in to (i_env).
    #[arg(long)]
    i_env: Option<i64>,
    /// Time limit for a whole call, retries and logins included, in seconds.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Call a method and print the answer as JSON (PortaBilling's REST conventions).
    Call(CallArgs),
    /// Log in (and store the session with --session-store).
    Login {
        #[command(flatten)]
        conn: Connection,
    },
    /// Check the session: with --session-store the stored one, without logging in; without
    /// it, that the credentials log in.
    Ping {
        #[command(flatten)]
        conn: Connection,
    },
    /// End the stored session (and remove it from --session-store).
    Logout {
        #[command(flatten)]
        conn: Connection,
    },
    /// List the services the command was built with.
    Services,
    /// List the methods of a service (or of all), with a one-line summary.
    Methods {
        /// The service.
        service: Option<String>,
    },
    /// Describe a method: request and response structure, and sample requests.
    Describe {
        /// The service.
        service: String,
        /// The method.
        method: String,
    },
    /// Decode a captured response body (stdin) through the generated type and print JSON.
    Decode {
        /// The service.
        service: String,
        /// The method.
        method: String,
        /// The body's format.
        #[arg(long, default_value = "soap", value_parser = ["soap", "rest"])]
        format: String,
    },
    /// Run many calls from a JSONL file, with resume after an interruption.
    #[command(after_help = batch::EXIT_CODES)]
    Batch(batch::BatchArgs),
    /// Run a PortaBilling simulator for tests.
    Sim(sim::SimArgs),
    /// Provisioning events (ESPF).
    #[command(subcommand)]
    Espf(espf::EspfCommand),
    /// Run the provisioning-event flow against an in-process simulator (or, read-only, a
    /// server given with --url).
    Demo {
        #[command(flatten)]
        conn: Connection,
    },
    /// The server's WSDL files.
    #[command(subcommand)]
    Wsdl(WsdlCommand),
    /// Print a completion script for a shell (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Options of `portabilling call`.
#[derive(Args, Debug)]
struct CallArgs {
    /// The service, such as Account.
    service: String,
    /// The method, such as get_account_info.
    method: String,
    /// The parameters as a JSON object, or `-` to read them from stdin.
    params: Option<String>,
    /// Print the server's body unchanged.
    #[arg(long)]
    raw: bool,
    /// Write a file the server sends (invoice PDF, report, recording) here (REST).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Send a method this build does not know, untyped.
    #[arg(long)]
    untyped: bool,
    /// Refuse to send parameters with fields the request type does not have (without it,
    /// each is a warning: the server ignores such fields).
    #[arg(long)]
    strict: bool,
    /// Page through the whole list of a get_*_list method (with limit and offset; `offset`
    /// in the parameters is where to start) and print the items as they arrive, in memory
    /// that does not grow with the list: a JSON array, or one item a line with --jsonl.
    #[arg(long, conflicts_with_all = ["raw", "output", "untyped"])]
    all: bool,
    /// With --all: one item a line, compact JSON (JSON Lines), instead of an array.
    #[arg(long, requires = "all")]
    jsonl: bool,
    /// With --all: how many items to ask for per call.
    #[arg(long, requires = "all", value_parser = clap::value_parser!(u64).range(1..))]
    page_size: Option<u64>,
    #[command(flatten)]
    conn: Connection,
}

#[derive(Subcommand, Debug)]
enum WsdlCommand {
    /// Download the server's WSDL set, with every schema it imports, into a directory ready for
    /// PORTABILLING_WSDL_DIR.
    Fetch {
        /// The directory to write into (created if needed).
        #[arg(long, default_value = "wsdl")]
        out: PathBuf,
        /// The services (Account, AccountAdminService or AccountAdminService.wsdl); every
        /// *AdminService.wsdl of the server's /wsdl/ listing when none is given.
        services: Vec<String>,
        #[command(flatten)]
        conn: Connection,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A receiver logs one line per event by default; other commands only warnings.
    let service = matches!(cli.command, Command::Espf(_));
    init_logging(cli.verbose, service, &cli.log_format);
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            output::report(&e);
            ExitCode::from(exit_code(&e))
        }
    }
}

/// Logs to stderr: RUST_LOG when set, else the level `-v` asks for (a receiver's one line per
/// event by default); as text, colours only on a terminal and never with NO_COLOR, or as one
/// JSON object a line.
fn init_logging(verbose: u8, service: bool, format: &str) {
    let default = match verbose {
        0 if service => "portabilling=info",
        0 => "warn",
        1 => "portabilling=debug",
        _ => "portabilling=trace",
    };
    let filter = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| tracing_subscriber::EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new(default));
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = if format == "json" {
        logs.json().flatten_event(true).try_init()
    } else {
        logs.with_ansi(colour).try_init()
    };
}

/// The exit code of an error (see [`EXIT_CODES`]).
fn exit_code(e: &Error) -> u8 {
    match e {
        Error::Config(_) | Error::Input(_) => 2,
        Error::Store(_) => 5,
        Error::Auth(_) => 3,
        Error::Fault(_) => 4,
        Error::Transport(_) | Error::Http(_) => 5,
        Error::Decode(_) => 6,
        _ => 1,
    }
}

impl Connection {
    fn client(&self) -> Result<Client, Error> {
        self.builder()?.build()
    }

    /// The server URL: `--url`, with `:PORT` meaning a server on this machine.
    fn url(&self) -> Result<String, Error> {
        match self.url.as_deref() {
            None => Err(Error::Config(
                "no server URL: give --url or set PORTABILLING_URL".into(),
            )),
            Some(port) if port.starts_with(':') => Ok(format!("http://127.0.0.1{port}")),
            Some(url) => Ok(url.to_string()),
        }
    }

    /// The client builder these flags describe, for callers that add to it.
    fn builder(&self) -> Result<ClientBuilder, Error> {
        let mut builder = Client::builder(self.url()?)
            .protocol(self.protocol.parse::<Protocol>()?)
            .rest_encoding(self.rest_encoding.parse::<RestEncoding>()?)
            .timeout(Duration::from_secs(self.timeout));
        match (&self.login, &self.password, &self.token) {
            (Some(login), Some(password), _) => builder = builder.login(login, password),
            (Some(login), None, Some(token)) => builder = builder.login_with_token(login, token),
            (Some(_), None, None) => {
                return Err(Error::Config(
                    "--login needs --password or --token (or their environment variables)".into(),
                ))
            }
            (None, Some(_), _) | (None, _, Some(_)) => {
                return Err(Error::Config("--password and --token need --login".into()))
            }
            (None, None, None) => {}
        }
        if let Some(store) = self.session_store()? {
            builder = builder.session_store(store);
        }
        if let Some(rate) = self.rate_limit {
            builder = builder.rate_limit(rate);
        }
        if let Some(ca) = &self.ca_cert {
            builder = builder.ca_cert_file(ca);
        }
        if self.insecure {
            builder = builder.danger_disable_tls_verification();
        }
        if self.legacy_soap_endpoint {
            builder = builder.soap_endpoint(SoapEndpoint::Legacy);
        }
        if let Some(i_env) = self.i_env {
            builder = builder.environment(i_env);
        }
        Ok(builder)
    }
}

impl Connection {
    /// Where sessions are kept: --session-store (or PORTABILLING_SESSION_FILE, its older name).
    fn session_store_location(&self) -> Option<String> {
        self.session_store
            .clone()
            .or_else(|| std::env::var("PORTABILLING_SESSION_FILE").ok())
            .filter(|s| !s.is_empty())
    }

    /// Whether sessions are kept in PostgreSQL.
    fn is_postgres(location: &str) -> bool {
        location.starts_with("postgres://") || location.starts_with("postgresql://")
    }

    /// The session store --session-store names: a file, or a PostgreSQL database.
    fn session_store(&self) -> Result<Option<Arc<dyn SessionStore>>, Error> {
        let Some(location) = self.session_store_location() else {
            return Ok(None);
        };
        if !Connection::is_postgres(&location) {
            return Ok(Some(Arc::new(FileStore::new(location))));
        }
        let seal_with = self.password.as_deref().or(self.token.as_deref()).ok_or_else(|| {
            Error::Config(
                "a postgres:// session store needs --password or --token: sessions are sealed with it".into(),
            )
        })?;
        let db = Database::connect(&location)?;
        Ok(Some(Arc::new(PgSessionStore::new(db, seal_with))))
    }

    /// The session store as messages show it (a database without its password).
    fn session_store_shown(&self) -> Option<String> {
        let location = self.session_store_location()?;
        if Connection::is_postgres(&location) {
            Some(
                portabilling::pg::shown_url(&location)
                    .unwrap_or_else(|| "the PostgreSQL session store".to_string()),
            )
        } else {
            Some(location)
        }
    }
}

/// The parameters of `call`: a JSON object from the argument or stdin.
fn read_params(call: &str, params: Option<&str>) -> Result<serde_json::Value, Error> {
    let text = match params {
        None => return Ok(serde_json::json!({})),
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Error::io("read the parameters from", "<stdin>", e))?;
            text
        }
        Some(text) => text.to_string(),
    };
    if text.trim().is_empty() {
        return Ok(serde_json::json!({}));
    }
    serde_json::from_str(&text)
        .map_err(|e| Error::input(call, format!("the parameters are not valid JSON: {e}")))
}

/// The generated operation for a call, checked before anything is sent: an unknown service or
/// method fails with the closest known name unless `--untyped`; fields the request type does
/// not have are warned about, or refused with `--strict`.
fn check_call(
    args: &CallArgs,
    params: &serde_json::Value,
) -> Result<Option<&'static OperationInfo>, Error> {
    let call = format!("{}/{}", args.service, args.method);
    let Some(op) = portabilling::registry::operation(&args.service, &args.method) else {
        if args.untyped {
            tracing::info!("{call} is not in the WSDLs this build knows; calling it untyped");
            return Ok(None);
        }
        let message = match portabilling::registry::service(&args.service) {
            None => format!(
                "no service `{}` in this build{} (see `portabilling services`)",
                args.service,
                did_you_mean(portabilling::registry::closest_service(&args.service))
            ),
            Some(service) => format!(
                "no method `{}` in {}{} (see `portabilling methods {}`)",
                args.method,
                service.name,
                did_you_mean(portabilling::registry::closest_method(
                    &args.service,
                    &args.method
                )),
                service.name
            ),
        };
        return Err(Error::input(
            call,
            format!("{message}; nothing was sent. --untyped sends it anyway"),
        ));
    };
    let unknown = op.request.unknown_fields(params);
    for field in &unknown {
        eprintln!("warning: {call}: {field}; the server ignores it");
    }
    if args.strict && !unknown.is_empty() {
        return Err(Error::input(
            call,
            format!(
                "{} field(s) the request type does not have; nothing was sent (--strict)",
                unknown.len()
            ),
        ));
    }
    Ok(Some(op))
}

/// ` (did you mean `x`?)`, or nothing.
fn did_you_mean(name: Option<&str>) -> String {
    name.map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default()
}

fn call(args: CallArgs) -> Result<ExitCode, Error> {
    let call = format!("{}/{}", args.service, args.method);
    let params = read_params(&call, args.params.as_deref())?;
    let op = check_call(&args, &params)?;
    if args.all {
        // `--all` conflicts with `--untyped`, so the method is known.
        let Some(op) = op else {
            return Err(Error::input(call, "--all needs a method this build knows"));
        };
        return export::all(&args.conn, op, params, args.page_size, args.jsonl);
    }
    let client = args.conn.client()?;
    if let Some(path) = &args.output {
        let download = client.download(&args.service, &args.method, params)?;
        let name = download.file_name.clone();
        let bytes = download
            .save_to(path)
            .map_err(|e| Error::io("write", path, e))?;
        eprintln!(
            "wrote {bytes} bytes to {}{}",
            path.display(),
            name.map(|n| format!(" (the server named it {n})"))
                .unwrap_or_default()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if args.raw {
        let reply = client.call_raw(&args.service, &args.method, params)?;
        output::write_bytes(&reply.body)?;
        reply.decode()?;
        return Ok(ExitCode::SUCCESS);
    }
    match op {
        Some(op) => {
            let request = portabilling::registry::request_from_json(op, &params)?;
            let reply = client.call_dyn(op, request.as_ref())?;
            output::write_bytes(format!("{}\n", reply.to_json_pretty()).as_bytes())?;
        }
        None => output::json(&client.call(&args.service, &args.method, params)?)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn run(command: Command) -> Result<ExitCode, Error> {
    match command {
        Command::Call(args) => call(args),
        Command::Login { conn } => {
            let client = conn.client()?;
            let session = client.login()?;
            let expiry = session
                .expires_at
                .and_then(portabilling::DateTime::from_unix_timestamp)
                .map(|d| format!(", expires {d} UTC"))
                .unwrap_or_default();
            let stored = conn
                .session_store_shown()
                .map(|f| format!(", stored in {f}"))
                .unwrap_or_default();
            println!(
                "logged in ({} login(s) made{expiry}{stored})",
                client.logins()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Ping { conn } => {
            let client = conn.client()?;
            // With a session store, ping checks the stored session and never logs in (after
            // `logout` there is none); without one, it checks that the credentials log in.
            let status = if conn.session_store_location().is_some() {
                client.session_status()?
            } else if client.ping()? {
                SessionStatus::Alive
            } else {
                SessionStatus::Expired
            };
            match status {
                SessionStatus::Alive => {
                    println!("session alive");
                    Ok(ExitCode::SUCCESS)
                }
                SessionStatus::Expired => {
                    println!("the stored session is no longer alive; `portabilling login` starts a new one");
                    Ok(ExitCode::from(3))
                }
                _ => {
                    println!("no stored session (never logged in, or logged out); `portabilling login` starts one");
                    Ok(ExitCode::from(3))
                }
            }
        }
        Command::Logout { conn } => {
            let client = conn.client()?;
            client.logout()?;
            println!("logged out");
            Ok(ExitCode::SUCCESS)
        }
        Command::Services => {
            print!("{}", portabilling::inspect::services());
            Ok(ExitCode::SUCCESS)
        }
        Command::Methods { service } => {
            let service = match service {
                Some(name) => Some(portabilling::registry::service(&name).ok_or_else(|| {
                    Error::Config(format!(
                        "no service `{name}`{} (see `portabilling services`)",
                        did_you_mean(portabilling::registry::closest_service(&name))
                    ))
                })?),
                None => None,
            };
            print!("{}", portabilling::inspect::methods(service));
            Ok(ExitCode::SUCCESS)
        }
        Command::Describe { service, method } => {
            let op = portabilling::registry::operation(&service, &method).ok_or_else(|| {
                Error::Config(format!(
                    "no method `{service}/{method}`{} (see `portabilling methods {service}`)",
                    did_you_mean(portabilling::registry::closest_method(&service, &method))
                ))
            })?;
            print!("{}", portabilling::inspect::describe(op));
            Ok(ExitCode::SUCCESS)
        }
        Command::Decode {
            service,
            method,
            format,
        } => {
            let mut body = Vec::new();
            std::io::stdin()
                .read_to_end(&mut body)
                .map_err(|e| Error::io("read the body from", "<stdin>", e))?;
            let protocol = format.parse::<Protocol>()?;
            match portabilling::registry::operation(&service, &method) {
                Some(op) => {
                    let value = protocol.decode_response(op, &body)?;
                    output::write_bytes(format!("{}\n", value.to_json_pretty()).as_bytes())?;
                }
                None => output::json(&protocol.decode_untyped(&service, &method, &body)?)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Batch(args) => batch::run(args),
        Command::Sim(args) => sim::run(args),
        Command::Espf(command) => espf::run(command),
        Command::Demo { conn } => demo::run(&conn),
        Command::Wsdl(WsdlCommand::Fetch {
            out,
            services,
            conn,
        }) => {
            let set = portabilling::wsdl::fetch(&conn.client()?, &services, &out)?;
            let bytes: usize = set.files.iter().map(|(_, size)| size).sum();
            for (file, size) in &set.files {
                println!("{size:>10}  {file}");
            }
            println!(
                "{} services, {} files, {bytes} bytes in {}; build with PORTABILLING_WSDL_DIR={}",
                set.services.len(),
                set.files.len(),
                out.display(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            let mut command = Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "portabilling", &mut script);
            output::write_bytes(&script)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
