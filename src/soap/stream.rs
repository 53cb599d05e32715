//! Decoding the items of a list response one at a time, straight from the socket.
//!
//! The decoder walks the envelope to the response's list field (inside an accessor or spread
//! in the response element, as an array of `item`s or as repeated elements) and then yields
//! one item per call. Nothing but the current item is held, so memory stays flat whatever the
//! length of the list.

use std::io::{BufReader, Read};
use std::sync::{Arc, Mutex};

use super::decode::{Child, Peek, Start, XmlDecoder};
use super::envelope::{open_body, BodyStart};
use super::source::StreamSource;

use crate::error::{Error, Result};
use crate::model::{OperationInfo, StructSchema, TypeInfo, ValueMut};
use crate::paging::{ItemSource, ItemStream};
use crate::wire::{body_read_error, fault_error, CallLabel, Limits, StreamingResponse};

type Decoder = XmlDecoder<StreamSource<BufReader<Box<dyn Read + Send>>>>;

/// Where the walk is.
enum State {
    /// Not started: the envelope is still to be read.
    Start,
    /// Inside the response element or its accessor, looking for the list field. The number
    /// is how many containers deep the walk is (1 for the response element).
    Scanning(usize),
    /// Inside an array element, reading items; the number is the container depth around it.
    InArray(usize),
    /// Finished (or failed).
    Done,
}

/// The items of `op`'s list in a streaming response.
pub(crate) fn items<T: crate::model::Slot>(
    op: &'static OperationInfo,
    label: CallLabel<'_>,
    response: StreamingResponse,
    limits: Limits,
) -> Result<ItemStream<T>> {
    let list_field = op.list_field.unwrap_or("");
    let item_ty = op
        .response
        .field(list_field)
        .map_or(&TypeInfo::Any, |f| f.ty.item());
    let io_failure = Arc::new(Mutex::new(None));
    let body: Box<dyn Read + Send> = Box::new(IoTrap {
        inner: response.body,
        failure: Arc::clone(&io_failure),
    });
    let decoder =
        XmlDecoder::from_unbounded_reader(BufReader::with_capacity(64 * 1024, body), limits);
    Ok(ItemStream::decoding(Items {
        decoder,
        io_failure,
        state: State::Start,
        list_field,
        response_schema: op.response,
        item_ty,
        service: label.service.to_string(),
        method: label.method.to_string(),
        status: response.status,
    }))
}

/// A reader that keeps the first I/O error of the socket, so that a connection lost in the
/// middle of a list is reported as the transport failure it is, not as malformed XML.
struct IoTrap {
    inner: Box<dyn Read + Send>,
    failure: Arc<Mutex<Option<std::io::Error>>>,
}

impl Read for IoTrap {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).inspect_err(|e| {
            let mut failure = self.failure.lock().unwrap_or_else(|p| p.into_inner());
            if failure.is_none() {
                *failure = Some(std::io::Error::new(e.kind(), e.to_string()));
            }
        })
    }
}

struct Items {
    decoder: Decoder,
    /// The socket's I/O error, if reading failed.
    io_failure: Arc<Mutex<Option<std::io::Error>>>,
    state: State,
    list_field: &'static str,
    response_schema: &'static StructSchema,
    item_ty: &'static TypeInfo,
    service: String,
    method: String,
    status: u16,
}

impl Items {
    fn label(&self) -> CallLabel<'_> {
        CallLabel {
            service: &self.service,
            method: &self.method,
            read_only: true,
        }
    }

    fn error(&self, e: super::DecodeError) -> Error {
        let io = self
            .io_failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(io) = io {
            return body_read_error(&self.service, &self.method, io);
        }
        Error::decode(
            &self.service,
            &self.method,
            e.message.clone(),
            Some((&e.path, e.line, e.column)),
            b"",
        )
    }

    /// Decodes the next item into `slot`: `false` at the end of the list.
    fn advance(&mut self, mut slot: ValueMut<'_>) -> Result<bool> {
        loop {
            match self.state {
                State::Done => return Ok(false),
                State::Start => {
                    match open_body(&mut self.decoder, None).map_err(|e| self.error(e))? {
                        BodyStart::Fault(fault) => {
                            let status = self.status;
                            return Err(fault_error(self.label(), fault, status));
                        }
                        BodyStart::Element { start, .. } => {
                            if start.empty {
                                self.finish()?;
                                return Ok(false);
                            }
                            self.state = State::Scanning(1);
                        }
                    }
                }
                State::Scanning(depth) => {
                    let list_field = self.list_field;
                    let response = self.response_schema;
                    let child = self
                        .decoder
                        .next_child(|name| {
                            if name == list_field {
                                Found::List
                            } else if response.lookup(name).is_some() {
                                Found::OtherField
                            } else {
                                Found::Unknown
                            }
                        })
                        .map_err(|e| self.error(e))?;
                    match child {
                        Child::End if depth == 1 => {
                            self.finish()?;
                            return Ok(false);
                        }
                        Child::End => self.state = State::Scanning(depth - 1),
                        Child::Start(Found::List, start) => {
                            if self.list_element(start, depth, slot.reborrow())? {
                                return Ok(true);
                            }
                        }
                        Child::Start(Found::OtherField, start) => {
                            self.decoder.skip(&start).map_err(|e| self.error(e))?;
                        }
                        // An element that is not a field: the accessor around the result.
                        Child::Start(Found::Unknown, start) if !start.empty => {
                            self.state = State::Scanning(depth + 1);
                        }
                        Child::Start(Found::Unknown, _) => {}
                    }
                }
                State::InArray(depth) => {
                    let child = self.decoder.next_child(|_| ()).map_err(|e| self.error(e))?;
                    match child {
                        Child::End => self.state = State::Scanning(depth),
                        Child::Start((), start) => {
                            if self.item(start, slot.reborrow())? {
                                return Ok(true);
                            }
                        }
                    }
                }
            }
        }
    }

    /// The list field's element was found: an array of items, or (repeated elements) one
    /// item, decoded into `slot` (`true`).
    fn list_element(&mut self, start: Start, depth: usize, slot: ValueMut<'_>) -> Result<bool> {
        if start.empty || start.nil {
            self.decoder.skip(&start).map_err(|e| self.error(e))?;
            return Ok(false);
        }
        if !start.array {
            let item_ty = self.item_ty;
            let peeked = self
                .decoder
                .peek(&|name| item_ty.has_field(name))
                .map_err(|e| self.error(e))?;
            match peeked {
                Peek::End => return Ok(false),
                Peek::Text | Peek::Child { is_field: true } => return self.item(start, slot),
                Peek::Child { is_field: false } => {}
            }
        }
        self.state = State::InArray(depth);
        Ok(false)
    }

    /// Decodes one item into `slot`; `false` when it was absent (an empty element).
    fn item(&mut self, start: Start, slot: ValueMut<'_>) -> Result<bool> {
        let item_ty = self.item_ty;
        self.decoder
            .decode_value(slot, item_ty, start, false)
            .map_err(|e| self.error(e))
    }

    fn finish(&mut self) -> Result<()> {
        self.state = State::Done;
        self.decoder.finish().map_err(|e| self.error(e))
    }
}

enum Found {
    List,
    OtherField,
    Unknown,
}

impl ItemSource for Items {
    fn next_into(&mut self, slot: ValueMut<'_>) -> Result<bool> {
        if matches!(self.state, State::Done) {
            return Ok(false);
        }
        let result = self.advance(slot);
        if result.is_err() {
            self.state = State::Done;
        }
        result
    }
}
