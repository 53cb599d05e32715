//! `portabilling`: the command line over the library.
//!
//! Each subcommand is a few lines over a library call; the exit code tells the kind of
//! failure: 0 success, 2 usage or configuration, 3 authentication failed, 4 API fault (the
//! fault code goes on stderr), 5 transport, TLS or timeout, 6 undecodable response.

mod batch;
mod demo;
mod espf;
mod output;
mod sim;

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use portabilling::auth::{FileStore, SessionStore};
use portabilling::pg::{Database, PgSessionStore};
use portabilling::{Client, ClientBuilder, Error, Protocol, RestEncoding, SoapEndpoint};

/// A client for the PortaBilling (PortaOne) administrator API, over SOAP or REST.
#[derive(Parser, Debug)]
#[command(name = "portabilling", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    connection: Connection,
    /// Log more (-v debug, -vv trace); secrets are always redacted.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

/// How to reach and authenticate to the server.
#[derive(Args, Debug, Clone)]
struct Connection {
    /// The server, such as https://billing.example.com (or :PORT).
    #[arg(long, env = "PORTABILLING_URL", global = true)]
    url: Option<String>,
    /// The API protocol.
    #[arg(long, env = "PORTABILLING_PROTOCOL", global = true, default_value = "soap", value_parser = ["soap", "rest"])]
    protocol: String,
    /// The API login.
    #[arg(long, env = "PORTABILLING_LOGIN", global = true)]
    login: Option<String>,
    /// The password (prefer the environment variable: command lines are visible to others).
    #[arg(
        long,
        env = "PORTABILLING_PASSWORD",
        global = true,
        hide_env_values = true,
        conflicts_with = "token"
    )]
    password: Option<String>,
    /// An API token instead of a password.
    #[arg(
        long,
        env = "PORTABILLING_TOKEN",
        global = true,
        hide_env_values = true
    )]
    token: Option<String>,
    /// Keep the session here, so separate runs and processes share one login: a file (mode
    /// 0600), or postgres://… for every process on every host that uses the database (the
    /// session sealed with the password or token).
    #[arg(
        long,
        alias = "session-file",
        env = "PORTABILLING_SESSION_STORE",
        global = true,
        hide_env_values = true
    )]
    session_store: Option<String>,
    /// At most this many API calls a second (retries and logins included), shared through a
    /// postgres:// session store by every process using the same server and login.
    #[arg(long, env = "PORTABILLING_RATE_LIMIT", global = true)]
    rate_limit: Option<f64>,
    /// How logs are written on stderr: text, or one JSON object a line.
    #[arg(long, env = "PORTABILLING_LOG_FORMAT", global = true, default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    /// Also trust the CA certificates in this PEM file.
    #[arg(long, global = true)]
    ca_cert: Option<PathBuf>,
    /// Do not verify TLS certificates (DANGEROUS: for test servers only).
    #[arg(long, global = true)]
    insecure: bool,
    /// REST request encoding.
    #[arg(long, global = true, default_value = "json", value_parser = ["json", "form", "multipart"])]
    rest_encoding: String,
    /// Send SOAP to /Porta/SOAP/<Service>, as older servers take it.
    #[arg(long, global = true)]
    legacy_soap_endpoint: bool,
    /// The environment to log in to (i_env).
    #[arg(long, global = true)]
    i_env: Option<i64>,
    /// Time limit for a whole call, in seconds.
    #[arg(long, global = true, default_value_t = 120)]
    timeout: u64,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Call a method and print the answer as JSON (PortaBilling's REST conventions).
    Call {
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
    },
    /// Log in (and store the session with --session-store).
    Login,
    /// Check that the session is alive.
    Ping,
    /// End the session (and remove it from --session-store).
    Logout,
    /// List the services the crate was built with.
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
    Batch(batch::BatchArgs),
    /// Run a PortaBilling simulator for tests (it accepts --login with --password or --token).
    Sim(sim::SimArgs),
    /// Provisioning events (ESPF).
    #[command(subcommand)]
    Espf(espf::EspfCommand),
    /// Run the provisioning-event flow against an in-process simulator (or, read-only, a server).
    Demo,
    /// The server's WSDL files.
    #[command(subcommand)]
    Wsdl(WsdlCommand),
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
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A receiver logs one line per event by default; other commands only warnings.
    let service = matches!(cli.command, Command::Espf(_));
    init_logging(cli.verbose, service, &cli.connection.log_format);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            output::report(&e);
            ExitCode::from(exit_code(&e))
        }
    }
}

fn init_logging(verbose: u8, service: bool, format: &str) {
    let default = match verbose {
        0 if service => "portabilling=info",
        0 => "warn",
        1 => "portabilling=debug",
        _ => "portabilling=trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("PORTABILLING_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = if format == "json" {
        logs.json().flatten_event(true).try_init()
    } else {
        logs.try_init()
    };
}

/// The exit code of an error.
fn exit_code(e: &Error) -> u8 {
    match e {
        Error::Config(_) => 2,
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

    /// The client builder these flags describe, for callers that add to it.
    fn builder(&self) -> Result<ClientBuilder, Error> {
        let url = self.url.as_deref().ok_or_else(|| {
            Error::Config("no server URL: give --url or set PORTABILLING_URL".into())
        })?;
        let mut builder = Client::builder(url)
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

fn read_params(params: Option<&str>) -> Result<serde_json::Value, Error> {
    let text = match params {
        None => return Ok(serde_json::json!({})),
        Some("-") => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|e| {
                Error::Config(format!("cannot read the parameters from stdin: {e}"))
            })?;
            text
        }
        Some(text) => text.to_string(),
    };
    if text.trim().is_empty() {
        return Ok(serde_json::json!({}));
    }
    serde_json::from_str(&text)
        .map_err(|e| Error::Config(format!("the parameters are not valid JSON: {e}")))
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    let conn = &cli.connection;
    match cli.command {
        Command::Call {
            service,
            method,
            params,
            raw,
            output: file,
        } => {
            let client = conn.client()?;
            let params = read_params(params.as_deref())?;
            if let Some(path) = file {
                let download = client.download(&service, &method, params)?;
                let name = download.file_name.clone();
                let bytes = download
                    .save_to(&path)
                    .map_err(|e| Error::Config(format!("cannot write {}: {e}", path.display())))?;
                eprintln!(
                    "wrote {bytes} bytes to {}{}",
                    path.display(),
                    name.map(|n| format!(" (the server named it {n})"))
                        .unwrap_or_default()
                );
                return Ok(ExitCode::SUCCESS);
            }
            if raw {
                let reply = client.call_raw(&service, &method, params)?;
                output::write_bytes(&reply.body)?;
                reply.decode()?;
                return Ok(ExitCode::SUCCESS);
            }
            match portabilling::registry::operation(&service, &method) {
                Some(op) => {
                    let mut request = (op.new_request)();
                    request.set_json(&params).map_err(|e| {
                        Error::Config(format!(
                            "the parameters do not fit {}/{} ({}): {e}",
                            op.service, op.method, op.request.name
                        ))
                    })?;
                    let reply = client.call_dyn(op, request.as_ref())?;
                    output::write_bytes(format!("{}\n", reply.to_json_pretty()).as_bytes())?;
                }
                None => {
                    tracing::info!("{service}/{method} is not in the WSDLs this build knows; calling it untyped");
                    output::json(&client.call(&service, &method, params)?)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Login => {
            let client = conn.client()?;
            let session = client.login()?;
            let expiry = session
                .expires_at
                .and_then(portabilling::runtime::DateTime::from_unix_timestamp)
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
        Command::Ping => {
            let client = conn.client()?;
            if client.ping()? {
                println!("session alive");
                Ok(ExitCode::SUCCESS)
            } else {
                println!("session not alive");
                Ok(ExitCode::from(3))
            }
        }
        Command::Logout => {
            let client = conn.client()?;
            client.login()?;
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
                    Error::Config(format!("no service `{name}` (see `portabilling services`)"))
                })?),
                None => None,
            };
            print!("{}", portabilling::inspect::methods(service));
            Ok(ExitCode::SUCCESS)
        }
        Command::Describe { service, method } => {
            let op = portabilling::registry::operation(&service, &method).ok_or_else(|| {
                Error::Config(format!(
                    "no method `{service}/{method}` (see `portabilling methods {service}`)"
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
                .map_err(|e| Error::Config(format!("cannot read the body from stdin: {e}")))?;
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
        Command::Batch(args) => batch::run(conn.client()?, args),
        Command::Sim(args) => sim::run(conn, args),
        Command::Espf(command) => espf::run(conn, command),
        Command::Demo => demo::run(conn),
        Command::Wsdl(WsdlCommand::Fetch { out, services }) => {
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
    }
}
