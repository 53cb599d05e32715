//! Printing results, and errors with what to do about them.

use std::io::Write as _;

use portabilling::Error;

/// Prints a value as pretty JSON on stdout.
pub fn json(value: &serde_json::Value) -> Result<(), Error> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::io("print the result to", "<stdout>", std::io::Error::other(e)))?;
    text.push('\n');
    write_bytes(text.as_bytes())
}

/// Writes bytes to stdout; a closed pipe (`| head`) ends quietly.
pub fn write_bytes(bytes: &[u8]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io("write to", "<stdout>", e)),
    }
}

/// Reports an error on stderr; for a fault, the fault code comes first on its own. A hint
/// follows when the error has a likely fix.
pub fn report(e: &Error) {
    match e {
        Error::Fault(f) => {
            eprintln!("{}", f.code);
            eprintln!("portabilling: {f}");
        }
        other => eprintln!("portabilling: {other}"),
    }
    if let Some(hint) = hint(e) {
        eprintln!("hint: {hint}");
    }
}

/// What to try next, for the errors where that is clear.
fn hint(e: &Error) -> Option<&'static str> {
    match e {
        Error::Http(h) if h.status == 404 && h.url.contains("/soap/") => {
            Some("older servers take SOAP at /Porta/SOAP/<Service>: try --legacy-soap-endpoint")
        }
        Error::Http(h) if h.status == 404 && h.url.contains("/rest/") => Some(
            "check the URL: the REST API lives at https://<server>/rest/ (try --protocol soap)",
        ),
        Error::Transport(t) if t.kind == portabilling::error::TransportErrorKind::Tls => {
            Some("--ca-cert FILE trusts a private CA; `http://` reaches a server without TLS")
        }
        _ => None,
    }
}
