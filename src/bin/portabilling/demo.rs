//! `portabilling demo`.

use std::process::ExitCode;

use portabilling::Error;

pub fn run(_conn: &super::Connection) -> Result<ExitCode, Error> {
    Err(Error::Config("demo is not implemented yet".into()))
}
