//! Decoding the items of a JSON list response one at a time, straight from the socket.
//!
//! A small scanner walks the top-level object to the list field, then cuts the array into one
//! JSON value per item, each decoded on its own and then dropped. Memory holds one item at a
//! time, whatever the length of the list; an item longer than the body limit is an error.

use std::io::{BufRead, BufReader, Read};

use crate::error::{Error, Result};
use crate::model::{json, OperationInfo, Slot, ValueMut};
use crate::paging::{ItemSource, ItemStream};

use crate::wire::{body_read_error, CallLabel, Limits, StreamingResponse};

/// The items of `op`'s list in a streaming JSON response.
pub(crate) fn items<T: Slot>(
    op: &'static OperationInfo,
    label: CallLabel<'_>,
    response: StreamingResponse,
    limits: Limits,
) -> Result<ItemStream<T>> {
    Ok(ItemStream::decoding(Items {
        scanner: Scanner {
            reader: BufReader::with_capacity(64 * 1024, response.body),
            limits,
            offset: 0,
        },
        state: State::Start,
        list_field: op.list_field.unwrap_or(""),
        service: label.service.to_string(),
        method: label.method.to_string(),
        item: Vec::new(),
    }))
}

enum State {
    Start,
    InArray { first: bool },
    Done,
}

struct Items {
    scanner: Scanner,
    state: State,
    list_field: &'static str,
    service: String,
    method: String,
    item: Vec<u8>,
}

struct Scanner {
    reader: BufReader<Box<dyn Read + Send>>,
    limits: Limits,
    offset: u64,
}

/// A scanning failure: a message, or an I/O error from the socket.
enum Fail {
    Syntax(String),
    Io(std::io::Error),
}

impl Scanner {
    fn peek(&mut self) -> std::result::Result<Option<u8>, Fail> {
        let buf = self.reader.fill_buf().map_err(Fail::Io)?;
        Ok(buf.first().copied())
    }

    fn byte(&mut self) -> std::result::Result<Option<u8>, Fail> {
        let b = self.peek()?;
        if b.is_some() {
            self.reader.consume(1);
            self.offset += 1;
            if self.offset > self.limits.max_bytes {
                return Err(Fail::Syntax(format!(
                    "the body is larger than the limit of {} bytes",
                    self.limits.max_bytes
                )));
            }
        }
        Ok(b)
    }

    /// The next byte that is not whitespace.
    fn token(&mut self) -> std::result::Result<u8, Fail> {
        loop {
            match self.byte()? {
                Some(b) if b.is_ascii_whitespace() => {}
                Some(b) => return Ok(b),
                None => return Err(Fail::Syntax("the body ends early".into())),
            }
        }
    }

    fn expect(&mut self, wanted: u8) -> std::result::Result<(), Fail> {
        match self.token()? {
            b if b == wanted => Ok(()),
            b => Err(Fail::Syntax(format!(
                "expected `{}`, found `{}`",
                wanted as char, b as char
            ))),
        }
    }

    /// Reads a string whose opening quote was read, copying it (escapes as written) to `out`.
    fn string(&mut self, out: &mut Vec<u8>) -> std::result::Result<(), Fail> {
        loop {
            match self.byte()? {
                None => return Err(Fail::Syntax("the body ends inside a string".into())),
                Some(b'"') => {
                    out.push(b'"');
                    return Ok(());
                }
                Some(b'\\') => {
                    out.push(b'\\');
                    match self.byte()? {
                        Some(e) => out.push(e),
                        None => return Err(Fail::Syntax("the body ends inside a string".into())),
                    }
                }
                Some(b) => out.push(b),
            }
        }
    }

    /// Copies one value whose first byte is `first` into `out` (or skips it when `out` is
    /// `None`).
    fn value(&mut self, first: u8, out: Option<&mut Vec<u8>>) -> std::result::Result<(), Fail> {
        let keep = out.is_some();
        let limit = usize::try_from(self.limits.max_bytes).unwrap_or(usize::MAX);
        let mut scratch = Vec::new();
        let sink: &mut Vec<u8> = match out {
            Some(o) => o,
            None => &mut scratch,
        };
        sink.push(first);
        match first {
            b'"' => return self.string(sink),
            b'{' | b'[' => {}
            _ => {
                // A literal runs until a delimiter.
                while let Some(b) = self.peek()? {
                    if matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace() {
                        break;
                    }
                    sink.push(b);
                    self.byte()?;
                }
                return Ok(());
            }
        }
        let mut depth = 1usize;
        while depth > 0 {
            let b = self
                .byte()?
                .ok_or_else(|| Fail::Syntax("the body ends inside a value".into()))?;
            sink.push(b);
            match b {
                b'"' => self.string(sink)?,
                b'{' | b'[' => {
                    depth += 1;
                    if depth > self.limits.max_depth {
                        return Err(Fail::Syntax(format!(
                            "values nest deeper than the limit of {}",
                            self.limits.max_depth
                        )));
                    }
                }
                b'}' | b']' => depth -= 1,
                _ => {}
            }
            if !keep {
                scratch_trim(sink);
            } else if sink.len() > limit {
                return Err(Fail::Syntax(format!(
                    "an item is longer than the limit of {limit} bytes"
                )));
            }
        }
        Ok(())
    }
}

/// Skipped values need not be kept: keep only the last bytes (for string state).
fn scratch_trim(v: &mut Vec<u8>) {
    if v.len() > 4096 {
        v.clear();
    }
}

impl Items {
    fn fail(&self, f: Fail) -> Error {
        match f {
            Fail::Io(e) => body_read_error(&self.service, &self.method, e),
            Fail::Syntax(m) => Error::decode(
                &self.service,
                &self.method,
                m,
                Some(("$", 1, self.scanner.offset)),
                b"",
            ),
        }
    }

    fn advance(&mut self, slot: ValueMut<'_>) -> std::result::Result<bool, Fail> {
        loop {
            match self.state {
                State::Done => return Ok(false),
                State::Start => {
                    self.scanner.expect(b'{')?;
                    if !self.find_list()? {
                        self.state = State::Done;
                        return Ok(false);
                    }
                }
                State::InArray { first } => {
                    let mut b = self.scanner.token()?;
                    if b == b']' {
                        self.finish_object()?;
                        self.state = State::Done;
                        return Ok(false);
                    }
                    if !first {
                        if b != b',' {
                            return Err(Fail::Syntax(format!(
                                "expected `,` or `]`, found `{}`",
                                b as char
                            )));
                        }
                        b = self.scanner.token()?;
                    }
                    self.state = State::InArray { first: false };
                    self.item.clear();
                    let mut item = std::mem::take(&mut self.item);
                    self.scanner.value(b, Some(&mut item))?;
                    let decoded = json::decode_value_slice(slot, &item).map_err(|e| {
                        Fail::Syntax(format!("an item of `{}`: {e}", self.list_field))
                    });
                    self.item = item;
                    return decoded.map(|()| true);
                }
            }
        }
    }

    /// Walks the top-level object to the list field; `false` if the object ends without it.
    fn find_list(&mut self) -> std::result::Result<bool, Fail> {
        let wanted = format!("\"{}\"", self.list_field);
        let mut first = true;
        loop {
            let mut b = self.scanner.token()?;
            if b == b'}' {
                return Ok(false);
            }
            if !first {
                if b != b',' {
                    return Err(Fail::Syntax(format!(
                        "expected `,` or `}}`, found `{}`",
                        b as char
                    )));
                }
                b = self.scanner.token()?;
            }
            first = false;
            if b != b'"' {
                return Err(Fail::Syntax("expected a key".into()));
            }
            let mut key = vec![b'"'];
            self.scanner.string(&mut key)?;
            self.scanner.expect(b':')?;
            let v = self.scanner.token()?;
            if key == wanted.as_bytes() {
                match v {
                    b'[' => {
                        self.state = State::InArray { first: true };
                        return Ok(true);
                    }
                    _ => {
                        // null or an empty object: no items.
                        self.scanner.value(v, None)?;
                    }
                }
            } else {
                self.scanner.value(v, None)?;
            }
        }
    }

    /// Reads the rest of the top-level object after the list, so a cut body is an error.
    fn finish_object(&mut self) -> std::result::Result<(), Fail> {
        loop {
            match self.scanner.token()? {
                b'}' => return Ok(()),
                b',' => {
                    let q = self.scanner.token()?;
                    if q != b'"' {
                        return Err(Fail::Syntax("expected a key".into()));
                    }
                    let mut key = vec![b'"'];
                    self.scanner.string(&mut key)?;
                    self.scanner.expect(b':')?;
                    let v = self.scanner.token()?;
                    self.scanner.value(v, None)?;
                }
                b => {
                    return Err(Fail::Syntax(format!(
                        "expected `,` or `}}`, found `{}`",
                        b as char
                    )))
                }
            }
        }
    }
}

impl ItemSource for Items {
    fn next_into(&mut self, slot: ValueMut<'_>) -> Result<bool> {
        match self.advance(slot) {
            Ok(more) => Ok(more),
            Err(f) => {
                self.state = State::Done;
                Err(self.fail(f))
            }
        }
    }
}
