//! `portabilling batch`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use portabilling::{Client, Error};

/// Options of `portabilling batch`.
#[derive(Args, Debug)]
pub struct BatchArgs {
    /// One call per line: {"id": "...", "service": "...", "method": "...", "params": {...}}.
    #[arg(long)]
    input: PathBuf,
    /// One result per line.
    #[arg(long)]
    output: PathBuf,
}

pub fn run(_client: Client, _args: BatchArgs) -> Result<ExitCode, Error> {
    Err(Error::Config("batch is not implemented yet".into()))
}
