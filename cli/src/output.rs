//! Printing results and errors.

use std::io::Write as _;

use portabilling::Error;

/// Prints a value as pretty JSON on stdout.
pub fn json(value: &serde_json::Value) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Config(format!("cannot print the result: {e}")))?;
    write_bytes(format!("{text}\n").as_bytes())
}

/// Writes bytes to stdout; a closed pipe (`| head`) ends quietly.
pub fn write_bytes(bytes: &[u8]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Config(format!("cannot write to stdout: {e}"))),
    }
}

/// Reports an error on stderr; for a fault, the fault code comes first on its own.
pub fn report(e: &Error) {
    match e {
        Error::Fault(f) => {
            eprintln!("{}", f.code);
            eprintln!("portabilling: {f}");
        }
        other => eprintln!("portabilling: {other}"),
    }
}
