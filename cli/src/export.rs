//! `portabilling call --all`: a whole list, page by page, written out item by item as it
//! arrives (a JSON array, or JSON Lines), in memory that does not grow with the list.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use portabilling::model::OperationInfo;
use portabilling::paging::ListPages;
use portabilling::Error;

/// Items asked for per call unless `--page-size` says otherwise.
pub const DEFAULT_PAGE_SIZE: u64 = 500;

/// Pages through `op` with `params` and writes every item to stdout.
pub fn all(
    conn: &super::Connection,
    op: &'static OperationInfo,
    params: serde_json::Value,
    page_size: Option<u64>,
    jsonl: bool,
) -> Result<ExitCode, Error> {
    let call = format!("{}/{}", op.service, op.method);
    if op.list_field.is_none() {
        let lists: Vec<&str> = portabilling::registry::service(op.service)
            .map(|s| {
                s.operations
                    .iter()
                    .filter(|o| o.list_field.is_some())
                    .map(|o| o.method)
                    .collect()
            })
            .unwrap_or_default();
        let those = if lists.is_empty() {
            format!("{} has none", op.service)
        } else {
            format!("those of {}: {}", op.service, lists.join(", "))
        };
        return Err(Error::input(
            call,
            format!(
                "--all pages through a list method (one that takes `limit` and `offset` and \
                 answers with a list; {those}); {} is not one. Nothing was sent",
                op.method
            ),
        ));
    }
    if params.get("limit").is_some() {
        return Err(Error::input(
            call,
            "with --all, --page-size sets how many items a call asks for, not `limit`; nothing was sent",
        ));
    }
    let client = conn.client()?;
    let mut pages =
        ListPages::new(&client, op, params)?.page_size(page_size.unwrap_or(DEFAULT_PAGE_SIZE));
    let mut out = BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let mut count = 0u64;
    let written = (|| -> std::io::Result<Option<Error>> {
        if !jsonl {
            out.write_all(b"[")?;
        }
        loop {
            let item = match pages.next_item() {
                Ok(Some(item)) => item,
                Ok(None) => break,
                Err(e) => return Ok(Some(e)),
            };
            if !jsonl {
                out.write_all(if count == 0 { b"\n" } else { b",\n" })?;
            }
            serde_json::to_writer(&mut out, &item)?;
            if jsonl {
                out.write_all(b"\n")?;
            }
            count += 1;
        }
        if !jsonl {
            out.write_all(if count == 0 { b"]\n" } else { b"\n]\n" })?;
        }
        out.flush()?;
        Ok(None)
    })();
    match written {
        Ok(None) => {
            tracing::info!(
                items = count,
                pages = pages.pages_fetched(),
                "{call}: every item written"
            );
            Ok(ExitCode::SUCCESS)
        }
        Ok(Some(e)) => {
            // What was written stays written; say where to start again.
            let _ = out.flush();
            eprintln!(
                "portabilling: {call}: stopped after {count} items; to continue, call again with \"offset\": {} in the parameters",
                pages.offset()
            );
            Err(e)
        }
        // `| head`: the reader has what it wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Error::io("write to", "<stdout>", e)),
    }
}
