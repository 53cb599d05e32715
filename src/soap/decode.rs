//! Reading XML the way a Perl SOAP::Lite server writes it, into generated types or into
//! untyped values.
//!
//! The decoder is driven by the types: a structure asks for its next child and maps the name to
//! a field with a generated `match`, so there is no intermediate tree and no serde visitor per
//! value. It reads from a byte slice (borrowing events from it) or from a stream (through a
//! reused buffer), through one generic [`Source`]. What it accepts, as SOAP::Lite servers vary:
//! any namespace prefixes; `xsi:type` on values (base64 strings are decoded, arrays recognised);
//! fields in any order; `soapenc:Array` with `item` children or plain repeated elements;
//! `xsi:nil` and empty elements as absent; unknown elements kept in `extra`. What it refuses:
//! DTDs, entity references other than the predefined ones, invalid UTF-8, nesting deeper than
//! the limit, and bodies larger than the limit.

use std::borrow::Cow;
use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};

use crate::model::{
    base64, AnyValue, Decimal, Extra, FieldKind, ScalarKind, StructSchema, Structure, TypeInfo,
    ValueMut,
};
use crate::wire::Limits;

use super::source::{SliceSource, Source, StreamSource, XSI_TYPE_OPENING};

/// A body that could not be decoded, with where it went wrong. Its details are boxed so that
/// the decoder's results stay small on the hot path; they read as fields through `Deref`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(Box<DecodeErrorInfo>);

impl std::ops::Deref for DecodeError {
    type Target = DecodeErrorInfo;

    fn deref(&self) -> &DecodeErrorInfo {
        &self.0
    }
}

/// The details of a [`DecodeError`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} at {path} (line {line}, column {column})")]
pub struct DecodeErrorInfo {
    /// What went wrong.
    pub message: String,
    /// The element path, such as `Envelope/Body/get_account_infoResponse/account_info/balance`.
    pub path: String,
    /// The 1-based line.
    pub line: u64,
    /// The 1-based column.
    pub column: u64,
}

/// What `xsi:type` says about a value, reduced to what decoding needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum XsiType {
    /// No `xsi:type`.
    #[default]
    None,
    /// A string type.
    String,
    /// `xsd:boolean`.
    Boolean,
    /// An integer type.
    Integer,
    /// `xsd:float`, `xsd:double` or `xsd:decimal`.
    Number,
    /// `xsd:base64Binary` (SOAP::Lite sends non-ASCII strings this way).
    Base64,
    /// `soapenc:Array`.
    Array,
    /// Any other type, such as a structure type.
    Other,
}

impl XsiType {
    #[inline]
    fn from_value(value: &[u8]) -> XsiType {
        // Almost always `xsd:<type>`: skip the usual prefix without searching for the colon.
        let local = match value.strip_prefix(b"xsd:") {
            Some(rest) => rest,
            None => match value.iter().rposition(|&b| b == b':') {
                Some(i) => &value[i + 1..],
                None => value,
            },
        };
        // Dispatch on the length first: a few comparisons instead of a chain of memcmp calls.
        match (local.len(), local.first()) {
            (6, Some(b's')) if local == b"string" => XsiType::String,
            (3, Some(b'i')) if local == b"int" => XsiType::Integer,
            (4, Some(b'l')) if local == b"long" => XsiType::Integer,
            (4, Some(b'd')) if local == b"date" => XsiType::String,
            (8, Some(b'd')) if local == b"dateTime" => XsiType::String,
            (7, Some(b'd')) if local == b"decimal" => XsiType::Number,
            _ => Self::from_local(local),
        }
    }

    fn from_local(local: &[u8]) -> XsiType {
        match local {
            b"string" | b"normalizedString" | b"token" | b"anyURI" | b"date" | b"dateTime"
            | b"time" | b"duration" | b"QName" | b"NMTOKEN" | b"Name" | b"NCName" | b"language" => {
                XsiType::String
            }
            b"boolean" => XsiType::Boolean,
            b"int"
            | b"long"
            | b"short"
            | b"byte"
            | b"integer"
            | b"unsignedInt"
            | b"unsignedLong"
            | b"unsignedShort"
            | b"unsignedByte"
            | b"nonNegativeInteger"
            | b"positiveInteger"
            | b"negativeInteger"
            | b"nonPositiveInteger" => XsiType::Integer,
            b"float" | b"double" | b"decimal" => XsiType::Number,
            b"base64Binary" | b"base64" => XsiType::Base64,
            b"Array" => XsiType::Array,
            _ => XsiType::Other,
        }
    }
}

/// What decoding needs to know about a start tag.
#[derive(Clone, Copy, Debug, Default)]
pub struct Start {
    /// `<x/>`: no content.
    pub empty: bool,
    /// `xsi:nil="true"`.
    pub nil: bool,
    /// The `xsi:type`.
    pub xsi: XsiType,
    /// Whether the element is a SOAP-encoded array (`soapenc:arrayType` or an Array type).
    pub array: bool,
    /// The number of items `soapenc:arrayType` declares, used to size the list once.
    pub declared_len: Option<u32>,
}

/// The next child of the current element.
pub(crate) enum Child<R> {
    /// A start tag; `R` is what the caller's resolver made of its name.
    Start(R, Start),
    /// The end tag of the current element.
    End,
}

/// A start tag read ahead and put back.
struct Pending {
    name: String,
    start: Start,
    attrs: Vec<(String, String)>,
}

/// The decoder: an event source plus the state of the walk.
pub struct XmlDecoder<S> {
    src: S,
    depth: usize,
    max_depth: usize,
    path: Vec<Cow<'static, str>>,
    /// Text of the current simple value.
    scratch: String,
    /// Whether `scratch` already holds the start of the current value's text.
    text_pending: bool,
    pending: Option<Pending>,
    /// Namespace declarations seen by `next_child_ns`: where each one's prefix, and then its
    /// URI, begins in `namespace_text`, and where it ends.
    namespaces: Vec<(usize, usize, usize)>,
    namespace_text: String,
    /// The longest text a single value may have.
    max_text: usize,
    /// Attributes of the last start tag that are not namespace or xsi attributes.
    pub(crate) attrs: Vec<(String, String)>,
}

impl<'a> XmlDecoder<SliceSource<'a>> {
    /// A decoder over a body in memory.
    pub fn from_slice(input: &'a [u8], limits: Limits) -> Result<Self, DecodeError> {
        let d = XmlDecoder::new(SliceSource::new(input), limits);
        if input.len() as u64 > limits.max_bytes {
            return Err(d.error(format!(
                "the body is larger than the limit of {} bytes",
                limits.max_bytes
            )));
        }
        Ok(d)
    }
}

impl<R: BufRead> XmlDecoder<StreamSource<R>> {
    /// A decoder over a stream of any length, for items decoded one at a time: only a single
    /// text value may not exceed `limits.max_bytes`.
    pub fn from_unbounded_reader(input: R, limits: Limits) -> Self {
        XmlDecoder::new(StreamSource::new(input, u64::MAX), limits)
    }
}

impl<S: Source> XmlDecoder<S> {
    fn new(src: S, limits: Limits) -> Self {
        XmlDecoder {
            src,
            depth: 0,
            max_depth: limits.max_depth,
            path: Vec::with_capacity(16),
            scratch: String::new(),
            text_pending: false,
            pending: None,
            namespaces: Vec::new(),
            namespace_text: String::new(),
            max_text: usize::try_from(limits.max_bytes).unwrap_or(usize::MAX),
            attrs: Vec::new(),
        }
    }

    /// An error at the current position and path.
    pub fn error(&self, message: impl Into<String>) -> DecodeError {
        let (line, column) = self.src.location();
        DecodeError(Box::new(DecodeErrorInfo {
            message: message.into(),
            path: if self.path.is_empty() {
                "/".to_string()
            } else {
                self.path
                    .iter()
                    .map(|p| p.as_ref())
                    .collect::<Vec<_>>()
                    .join("/")
            },
            line,
            column,
        }))
    }

    fn xml_error(&self, e: quick_xml::Error) -> DecodeError {
        let message = match e {
            quick_xml::Error::Io(io) => io.to_string(),
            quick_xml::Error::Syntax(s) => format!("malformed XML: {s}"),
            quick_xml::Error::IllFormed(s) => format!("malformed XML: {s}"),
            quick_xml::Error::Encoding(s) => format!("the body is not valid UTF-8 ({s})"),
            other => format!("malformed XML: {other}"),
        };
        self.error(message)
    }

    /// Enters a named element for error paths.
    pub(crate) fn enter(&mut self, name: &'static str) {
        self.path.push(Cow::Borrowed(name));
    }

    /// Enters an element whose name comes from the document.
    pub(crate) fn enter_owned(&mut self, name: &str) {
        self.path.push(Cow::Owned(name.to_string()));
    }

    /// Reads the next child of the current element: a start tag (its name given to
    /// `resolve`), or the end tag. Text between elements, comments and processing instructions
    /// are skipped.
    pub(crate) fn next_child<R>(
        &mut self,
        resolve: impl FnOnce(&str) -> R,
    ) -> Result<Child<R>, DecodeError> {
        if let Some(pending) = self.pending.take() {
            self.attrs = pending.attrs;
            return Ok(Child::Start(resolve(&pending.name), pending.start));
        }
        loop {
            let event = match self.src.next_event() {
                Ok(e) => e,
                Err(e) => return Err(self.xml_error(e)),
            };
            match event {
                Event::Start(tag) => {
                    let read = read_start(&tag, false);
                    let resolved = read.as_ref().ok().map(|_| resolve(local_name(&tag)));
                    drop(tag);
                    let (start, attrs) = read.map_err(|m| self.error(m))?;
                    if !attrs.is_empty() || !self.attrs.is_empty() {
                        self.attrs = attrs;
                    }
                    self.depth += 1;
                    if self.depth > self.max_depth {
                        return Err(self.error(format!(
                            "elements nest deeper than the limit of {}",
                            self.max_depth
                        )));
                    }
                    return match resolved {
                        Some(r) => Ok(Child::Start(r, start)),
                        None => Err(self.error("unreadable start tag")),
                    };
                }
                Event::Empty(tag) => {
                    let read = read_start(&tag, true);
                    let resolved = read.as_ref().ok().map(|_| resolve(local_name(&tag)));
                    drop(tag);
                    let (start, attrs) = read.map_err(|m| self.error(m))?;
                    if !attrs.is_empty() || !self.attrs.is_empty() {
                        self.attrs = attrs;
                    }
                    return match resolved {
                        Some(r) => Ok(Child::Start(r, start)),
                        None => Err(self.error("unreadable start tag")),
                    };
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(Child::End);
                }
                Event::Text(_) | Event::CData(_) | Event::Comment(_) | Event::PI(_) => {}
                Event::GeneralRef(r) => {
                    if resolve_reference(&r).is_none() {
                        let name = r.xml10_content().into_owned();
                        return Err(self.error(unknown_entity(&name)));
                    }
                }
                Event::Decl(_) => {}
                Event::DocType(_) => {
                    return Err(self.error("a DTD is not allowed in a SOAP message"));
                }
                Event::Eof => return Err(self.error("the body ends before the element is closed")),
            }
        }
    }

    /// Reads the text of the current element up to its end tag. Returns `None` when the
    /// element has no text at all.
    ///
    /// Almost every value is one stretch of text with no carriage return, then the end tag.
    /// Where the source keeps that text (a body in memory), it is returned from the input
    /// itself, so a value is not copied before it is parsed or stored. Anything else (entity
    /// references, CDATA, comments, text left by [`peek`](Self::peek)) is gathered in
    /// `scratch`.
    pub(crate) fn read_text(&mut self, start: &Start) -> Result<Option<&str>, DecodeError> {
        let continuing = std::mem::take(&mut self.text_pending);
        if !continuing {
            self.scratch.clear();
        }
        if start.empty {
            return Ok(None);
        }
        let mut seen = continuing;
        let mut carried: Option<Piece<'static>> = None;
        // One stretch of text first, taken in place from a body in memory or read as an
        // event; then, usually, the end tag.
        let first_text = if continuing {
            false
        } else if S::KEEPS_TEXT
            && self
                .src
                .take_plain_text(self.max_text)
                .map_err(|e| self.xml_error(e))?
        {
            true
        } else {
            let event = match self.src.next_event_keeping_text() {
                Ok(e) => e,
                Err(e) => return Err(self.xml_error(e)),
            };
            match event {
                Event::Text(text) if !text.as_bytes().contains(&b'\r') => {
                    if !S::KEEPS_TEXT {
                        self.scratch.push_str(&text);
                    }
                    if text.len() > self.max_text {
                        return Err(self.too_long());
                    }
                    true
                }
                event => {
                    carried = Some(Piece::of(event).into_owned());
                    false
                }
            }
        };
        if first_text {
            let event = match self.src.next_event() {
                Ok(e) => e,
                Err(e) => return Err(self.xml_error(e)),
            };
            if let Event::End(_) = event {
                self.depth = self.depth.saturating_sub(1);
                return Ok(Some(self.src.kept_text().unwrap_or(self.scratch.as_str())));
            }
            // More than one piece: gather them all in `scratch`, the kept text first.
            let next = Piece::of(event).into_owned();
            if let Some(kept) = self.src.kept_text() {
                self.scratch.push_str(kept);
            }
            seen = true;
            carried = Some(next);
        }
        loop {
            let piece = match carried.take() {
                Some(piece) => piece,
                None => match self.src.next_event() {
                    Ok(event) => Piece::of(event),
                    Err(e) => return Err(self.xml_error(e)),
                },
            };
            match piece {
                Piece::Text(text) => {
                    self.scratch.push_str(&text);
                    seen = true;
                    if self.scratch.len() > self.max_text {
                        return Err(self.too_long());
                    }
                }
                Piece::Char(c) => {
                    self.scratch.push(c);
                    seen = true;
                }
                Piece::End => {
                    self.depth = self.depth.saturating_sub(1);
                    break;
                }
                Piece::Skip => {}
                Piece::Fail(message) => return Err(self.error(message)),
            }
        }
        Ok(if seen {
            Some(self.scratch.as_str())
        } else {
            None
        })
    }

    fn too_long(&self) -> DecodeError {
        self.error(format!(
            "a value is longer than the limit of {} bytes",
            self.max_text
        ))
    }

    /// Skips the content of the current element, whatever it holds.
    pub(crate) fn skip(&mut self, start: &Start) -> Result<(), DecodeError> {
        if start.empty {
            return Ok(());
        }
        let target = self.depth - 1;
        self.pending = None;
        loop {
            let event = match self.src.next_event() {
                Ok(e) => e,
                Err(e) => return Err(self.xml_error(e)),
            };
            match event {
                Event::Start(_) => {
                    self.depth += 1;
                    if self.depth > self.max_depth {
                        return Err(self.error(format!(
                            "elements nest deeper than the limit of {}",
                            self.max_depth
                        )));
                    }
                }
                Event::End(_) => {
                    self.depth -= 1;
                    if self.depth == target {
                        return Ok(());
                    }
                }
                Event::DocType(_) => {
                    return Err(self.error("a DTD is not allowed in a SOAP message"))
                }
                Event::GeneralRef(r) if resolve_reference(&r).is_none() => {
                    let name = r.xml10_content().into_owned();
                    return Err(self.error(unknown_entity(&name)));
                }
                Event::Eof => return Err(self.error("the body ends before the element is closed")),
                _ => {}
            }
        }
    }

    /// Decodes the content of a structure whose start tag was just read. Returns whether the
    /// element held anything (an empty or nil element is absent).
    pub fn decode_structure(
        &mut self,
        target: &mut dyn Structure,
        start: &Start,
    ) -> Result<bool, DecodeError> {
        if start.nil {
            self.skip(start)?;
            return Ok(false);
        }
        let schema = target.schema();
        let mut seen = false;
        if !self.attrs.is_empty() {
            let attrs = std::mem::take(&mut self.attrs);
            for (name, value) in &attrs {
                let Some(i) = schema.lookup(name) else {
                    continue;
                };
                if schema.fields[i].kind != FieldKind::Attribute {
                    continue;
                }
                if let Some(slot) = target.field_mut(i) {
                    self.set_from_text(slot, value)?;
                    seen = true;
                }
            }
        }
        if let Some(i) = schema.text_field() {
            let text = self.read_text(start)?.map(str::to_string);
            if let (Some(text), Some(slot)) = (text, target.field_mut(i)) {
                self.set_from_text(slot, &text)?;
                seen = true;
            }
            return Ok(seen);
        }
        if start.empty {
            return Ok(seen);
        }
        loop {
            if self.take_simple_field(target, schema)? {
                seen = true;
                continue;
            }
            match self.next_child(|name| schema.lookup(name).ok_or_else(|| name.to_string()))? {
                Child::End => return Ok(seen),
                Child::Start(Ok(index), child) => {
                    seen = true;
                    let field = &schema.fields[index];
                    self.path.push(Cow::Borrowed(field.name));
                    match target.field_mut(index) {
                        Some(slot) => {
                            self.decode_value(slot, &field.ty, child, field.occurs.is_repeated())?;
                        }
                        None => self.skip(&child)?,
                    }
                    self.path.pop();
                }
                Child::Start(Err(name), child) => {
                    seen = true;
                    let value = self.decode_any(&child)?;
                    let extra = target.extra_for(&name).map_err(|m| self.error(m))?;
                    insert_extra(extra, name, value);
                }
            }
        }
    }

    /// Decodes the next child in one step when the source shows it is a plain simple element
    /// (see [`Source::peek_simple`]) of a single simple field: most of a SOAP::Lite body.
    /// Returns `Ok(false)`, having read nothing, for any other child, which the general path
    /// then reads: the value is stored exactly as that path would store it.
    fn take_simple_field(
        &mut self,
        target: &mut dyn Structure,
        schema: &StructSchema,
    ) -> Result<bool, DecodeError> {
        if self.pending.is_some() || self.text_pending || self.depth >= self.max_depth {
            return Ok(false);
        }
        let Some(element) = self.src.peek_simple(self.max_text) else {
            return Ok(false);
        };
        let Some(index) = schema.lookup(element.local_name) else {
            return Ok(false);
        };
        let field = &schema.fields[index];
        if field.occurs.is_repeated() || !field.ty.is_simple() {
            return Ok(false);
        }
        let start = Start {
            xsi: element.xsi_type.map_or(XsiType::None, XsiType::from_value),
            ..Start::default()
        };
        if matches!(start.xsi, XsiType::Base64 | XsiType::Array) {
            return Ok(false);
        }
        let stored = match target.field_mut(index) {
            Some(slot) => store_text(slot, &start, Some(element.text)),
            None => Ok(false),
        };
        let len = element.len;
        self.src.take_simple(len);
        if !self.attrs.is_empty() {
            self.attrs.clear();
        }
        if let Err(message) = stored {
            self.path.push(Cow::Borrowed(field.name));
            return Err(self.error(message));
        }
        Ok(true)
    }

    /// Sets a value written as attribute or simple-content text.
    fn set_from_text(&self, slot: ValueMut<'_>, text: &str) -> Result<(), DecodeError> {
        match slot {
            ValueMut::Scalar(s) => s.set_text(text).map_err(|m| self.error(m)),
            ValueMut::Enum(e) => {
                e.set_wire(text);
                Ok(())
            }
            ValueMut::Any(a) => {
                *a = AnyValue::String(text.to_string());
                Ok(())
            }
            ValueMut::Optional(o) => self.set_from_text(o.insert_default(), text),
            ValueMut::Struct(_) | ValueMut::List(_) | ValueMut::Extra(_) => {
                Err(self.error("a structure or list cannot be read from text"))
            }
        }
    }

    /// Decodes one value of type `ty` from the element whose start tag was just read, into
    /// `slot`. Returns whether a value was present. `repeated` says the element is one
    /// occurrence of a repeated field.
    pub fn decode_value(
        &mut self,
        slot: ValueMut<'_>,
        ty: &TypeInfo,
        start: Start,
        repeated: bool,
    ) -> Result<bool, DecodeError> {
        match slot {
            ValueMut::Scalar(s) if start.nil => {
                self.skip(&start)?;
                Ok(s.clear())
            }
            ValueMut::Enum(e) if start.nil => {
                self.skip(&start)?;
                Ok(e.clear())
            }
            slot @ (ValueMut::Scalar(_) | ValueMut::Enum(_)) => {
                let stored = store_text(slot, &start, scalar_text(self, &start)?.as_deref());
                stored.map_err(|m| self.error(m))
            }
            ValueMut::Struct(target) => self.decode_structure(target, &start),
            // Not a field: the decoder fills it only with the elements a schema lacks.
            ValueMut::Extra(_) => Err(self.error("the unknown elements are not a field")),
            ValueMut::Optional(o) => {
                if start.nil {
                    self.skip(&start)?;
                    o.clear();
                    return Ok(true);
                }
                let present = self.decode_value(o.insert_default(), ty, start, repeated)?;
                if !present {
                    o.clear();
                }
                Ok(present)
            }
            ValueMut::List(list) => self.decode_list(list, ty.item(), start, repeated),
            ValueMut::Any(a) => {
                *a = self.decode_any(&start)?;
                Ok(!a.is_null())
            }
        }
    }

    /// Decodes a list from the element whose start tag was just read. `repeated` says the
    /// field is a repeated element (each occurrence one item) rather than an array.
    fn decode_list(
        &mut self,
        list: &mut dyn crate::model::ListSlot,
        item_ty: &TypeInfo,
        start: Start,
        repeated: bool,
    ) -> Result<bool, DecodeError> {
        if start.nil && !start.array {
            self.skip(&start)?;
            if repeated {
                // A nil occurrence of a repeated element keeps its place when items may be
                // nil.
                let nil = Start {
                    nil: true,
                    empty: true,
                    ..start
                };
                if !self.decode_value(list.push_default(), item_ty, nil, false)? {
                    list.pop();
                }
            }
            return Ok(true);
        }
        if !start.array && repeated {
            return self.decode_item(list, item_ty, start);
        }
        if start.empty {
            return Ok(true);
        }
        if !start.array {
            // A declared array without an array marker: either a wrapper of items, or (from a
            // server that writes lists as repeated elements) one item. Look at the first child.
            match self.peek(&|name| item_ty.has_field(name))? {
                Peek::End => return Ok(true),
                Peek::Text => return self.decode_item(list, item_ty, start),
                Peek::Child { is_field: true } => return self.decode_item(list, item_ty, start),
                Peek::Child { is_field: false } => {}
            }
        }
        if let Some(n) = start.declared_len {
            list.reserve_declared(n as usize);
        }
        self.path.push(Cow::Borrowed("item"));
        loop {
            match self.next_child(|_| ())? {
                Child::End => break,
                Child::Start((), item_start) => {
                    self.decode_item(list, item_ty, item_start)?;
                }
            }
        }
        self.path.pop();
        list.finish();
        Ok(true)
    }

    fn decode_item(
        &mut self,
        list: &mut dyn crate::model::ListSlot,
        item_ty: &TypeInfo,
        start: Start,
    ) -> Result<bool, DecodeError> {
        // Decode in place: an item can be large, and moving it into the list costs a copy.
        if !self.decode_value(list.push_default(), item_ty, start, false)? {
            list.pop();
        }
        Ok(true)
    }

    /// Reads ahead into the current element's content: the end tag, text, or a child whose
    /// name `is_field` judges. A child is put back for the next [`next_child`](Self::next_child)
    /// and text is kept for the next [`read_text`](Self::read_text); only an end tag is
    /// consumed.
    pub(crate) fn peek(&mut self, is_field: &dyn Fn(&str) -> bool) -> Result<Peek, DecodeError> {
        self.scratch.clear();
        loop {
            let event = match self.src.next_event() {
                Ok(e) => e,
                Err(e) => return Err(self.xml_error(e)),
            };
            match event {
                Event::Text(t) => {
                    let text = t.xml10_content();
                    self.scratch.push_str(&text);
                    if !text.trim().is_empty() {
                        self.text_pending = true;
                        return Ok(Peek::Text);
                    }
                }
                Event::CData(t) => {
                    self.scratch.push_str(&t.xml10_content());
                    self.text_pending = true;
                    return Ok(Peek::Text);
                }
                Event::GeneralRef(r) => match resolve_reference(&r) {
                    Some(c) => {
                        self.scratch.push(c);
                        self.text_pending = true;
                        return Ok(Peek::Text);
                    }
                    None => {
                        let name = r.xml10_content().into_owned();
                        return Err(self.error(unknown_entity(&name)));
                    }
                },
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(Peek::End);
                }
                Event::Start(tag) => {
                    let name = local_name(&tag).to_string();
                    let read = read_start(&tag, false);
                    drop(tag);
                    let (start, attrs) = read.map_err(|m| self.error(m))?;
                    self.depth += 1;
                    if self.depth > self.max_depth {
                        return Err(self.error(format!(
                            "elements nest deeper than the limit of {}",
                            self.max_depth
                        )));
                    }
                    let field = is_field(&name);
                    self.pending = Some(Pending { name, start, attrs });
                    return Ok(Peek::Child { is_field: field });
                }
                Event::Empty(tag) => {
                    let name = local_name(&tag).to_string();
                    let read = read_start(&tag, true);
                    drop(tag);
                    let (start, attrs) = read.map_err(|m| self.error(m))?;
                    let field = is_field(&name);
                    self.pending = Some(Pending { name, start, attrs });
                    return Ok(Peek::Child { is_field: field });
                }
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
                Event::DocType(_) => {
                    return Err(self.error("a DTD is not allowed in a SOAP message"));
                }
                Event::Eof => return Err(self.error("the body ends before the element is closed")),
            }
        }
    }
}

impl<S: Source> XmlDecoder<S> {
    /// Like [`next_child`](Self::next_child), but also resolves the element's namespace from
    /// the `xmlns` declarations seen by this function so far (used for the envelope, body and
    /// body element, where the namespace matters): `resolve` is given the local name and the
    /// namespace, and takes what it needs of them.
    pub(crate) fn next_child_ns<R>(
        &mut self,
        resolve: impl FnOnce(&str, Option<&str>) -> R,
    ) -> Result<Child<R>, DecodeError> {
        loop {
            let event = match self.src.next_event() {
                Ok(e) => e,
                Err(e) => return Err(self.xml_error(e)),
            };
            let (tag, empty) = match event {
                Event::Start(tag) => (tag, false),
                Event::Empty(tag) => (tag, true),
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(Child::End);
                }
                Event::DocType(_) => {
                    return Err(self.error("a DTD is not allowed in a SOAP message"))
                }
                Event::Eof => {
                    return Err(self.error("the body ends before the SOAP envelope is complete"))
                }
                Event::GeneralRef(r) => {
                    if resolve_reference(&r).is_none() {
                        let name = r.xml10_content().into_owned();
                        return Err(self.error(unknown_entity(&name)));
                    }
                    continue;
                }
                _ => continue,
            };
            let qname: &str = tag.name().into_inner();
            let prefix = qname.rsplit_once(':').map_or("", |(p, _)| p);
            for attr in tag.attributes().with_checks(false).flatten() {
                let key: &str = attr.key.as_ref();
                let declared = if key == "xmlns" {
                    Some("")
                } else {
                    key.strip_prefix("xmlns:")
                };
                if let Some(p) = declared {
                    let start = self.namespace_text.len();
                    self.namespace_text.push_str(p);
                    let uri = self.namespace_text.len();
                    self.namespace_text.push_str(&attr.value);
                    self.namespaces
                        .push((start, uri, self.namespace_text.len()));
                }
            }
            let text = self.namespace_text.as_str();
            let namespace = self
                .namespaces
                .iter()
                .rev()
                .find(|&&(start, uri, _)| text.get(start..uri) == Some(prefix))
                .and_then(|&(_, uri, end)| text.get(uri..end));
            let resolved = resolve(local_name(&tag), namespace);
            let read = read_start(&tag, empty);
            drop(tag);
            let (start, attrs) = read.map_err(|m| self.error(m))?;
            self.attrs = attrs;
            if !empty {
                self.depth += 1;
            }
            return Ok(Child::Start(resolved, start));
        }
    }

    /// Reads the rest of the document after the value: the closing tags and nothing else, so
    /// that a body cut short is an error even when the value itself was complete.
    pub fn finish(&mut self) -> Result<(), DecodeError> {
        loop {
            let event = match self.src.next_event() {
                Ok(e) => e,
                Err(e) => return Err(self.xml_error(e)),
            };
            match event {
                Event::Eof => {
                    return if self.depth == 0 {
                        Ok(())
                    } else {
                        Err(self.error("the body ends before the SOAP envelope is closed"))
                    };
                }
                Event::End(_) => self.depth = self.depth.saturating_sub(1),
                Event::Start(_) => {
                    self.depth += 1;
                    if self.depth > self.max_depth {
                        return Err(self.error("elements nest deeper than the limit"));
                    }
                }
                Event::DocType(_) => {
                    return Err(self.error("a DTD is not allowed in a SOAP message"))
                }
                _ => {}
            }
        }
    }
}

/// What [`XmlDecoder::peek`] found.
pub(crate) enum Peek {
    End,
    Text,
    Child { is_field: bool },
}

impl<S: Source> XmlDecoder<S> {
    /// Decodes any element into an untyped value, guided by `xsi:type`: numbers, booleans and
    /// base64 text by their type, arrays as lists, elements with children as maps (repeated
    /// names become lists), nil and empty elements as null.
    pub fn decode_any(&mut self, start: &Start) -> Result<AnyValue, DecodeError> {
        if start.nil {
            self.skip(start)?;
            return Ok(AnyValue::Null);
        }
        if start.empty {
            return Ok(if start.xsi == XsiType::String {
                AnyValue::String(String::new())
            } else if start.array {
                AnyValue::Array(Vec::new())
            } else {
                AnyValue::Null
            });
        }
        if start.array {
            let mut items = Vec::new();
            loop {
                match self.next_child(|_| ())? {
                    Child::End => return Ok(AnyValue::Array(items)),
                    Child::Start((), item) => items.push(self.decode_any(&item)?),
                }
            }
        }
        match self.peek(&|_| false)? {
            Peek::End => Ok(if start.xsi == XsiType::String {
                AnyValue::String(String::new())
            } else {
                AnyValue::Null
            }),
            Peek::Text => {
                let xsi = start.xsi;
                let text = self.read_text(start)?.unwrap_or("");
                typed_text(text, xsi).map_err(|m| self.error(m))
            }
            Peek::Child { .. } => {
                let mut map = Extra::new();
                loop {
                    match self.next_child(str::to_string)? {
                        Child::End => return Ok(AnyValue::Object(map)),
                        Child::Start(name, child) => {
                            let value = self.decode_any(&child)?;
                            insert_extra(&mut map, name, value);
                        }
                    }
                }
            }
        }
    }
}

/// Reads a scalar's text; `None` for an empty element. Base64 text is decoded when the
/// `xsi:type` says so.
fn scalar_text<'d, S: Source>(
    decoder: &'d mut XmlDecoder<S>,
    start: &Start,
) -> Result<Option<Cow<'d, str>>, DecodeError> {
    if start.nil {
        decoder.skip(start)?;
        return Ok(None);
    }
    if start.xsi == XsiType::Base64 {
        let decoded = match decoder.read_text(start)? {
            None => return Ok(None),
            Some(t) => base64_text(t),
        };
        return match decoded {
            Ok(s) => Ok(Some(Cow::Owned(s))),
            Err(m) => Err(decoder.error(m)),
        };
    }
    Ok(decoder.read_text(start)?.map(Cow::Borrowed))
}

/// Stores a simple value's text (`None` for an empty element) in a scalar or enumeration
/// slot, optional or not, for an element that is not nil. Returns whether a value was
/// stored: an empty or blank element is absent (a number, a date), except an empty string
/// where the element is typed as one: SOAP::Lite writes undef as `xsi:nil`, and '' as an
/// empty element typed `xsd:string`.
fn store_text(slot: ValueMut<'_>, start: &Start, text: Option<&str>) -> Result<bool, String> {
    match slot {
        ValueMut::Scalar(s) => {
            let is_string = s.kind() == ScalarKind::String;
            let typed = matches!(start.xsi, XsiType::String | XsiType::Base64);
            match text {
                Some(text) if is_string || !is_blank(text) => s.set_text(text).map(|()| true),
                None if is_string && typed => s.set_text("").map(|()| true),
                _ => Ok(false),
            }
        }
        ValueMut::Enum(e) => match text {
            Some(text) => {
                e.set_wire(text);
                Ok(true)
            }
            None if start.xsi == XsiType::String => {
                e.set_wire("");
                Ok(true)
            }
            None => Ok(false),
        },
        ValueMut::Optional(o) => {
            let present = store_text(o.insert_default(), start, text)?;
            if !present {
                o.clear();
            }
            Ok(present)
        }
        ValueMut::Struct(_) | ValueMut::List(_) | ValueMut::Any(_) | ValueMut::Extra(_) => {
            Err("a structure or list cannot be read from text".into())
        }
    }
}

/// Whether text holds only whitespace (numbers and dates around it are absent values).
fn is_blank(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_whitespace())
}

/// An untyped value from text, by its `xsi:type`.
fn typed_text(text: &str, xsi: XsiType) -> Result<AnyValue, String> {
    let t = text.trim();
    Ok(match xsi {
        XsiType::Integer => match t.parse::<i64>() {
            Ok(n) => AnyValue::from(n),
            Err(_) => match t.parse::<u64>() {
                Ok(n) => AnyValue::from(n),
                Err(_) => AnyValue::String(text.to_string()),
            },
        },
        XsiType::Number => match t.parse::<Decimal>() {
            Ok(d) if d.is_exact_f64() => serde_json::Number::from_f64(d.to_f64())
                .map_or_else(|| AnyValue::String(text.to_string()), AnyValue::Number),
            // Perl writes small and large numbers in exponent form (`1e-05`), and SOAP::Lite
            // sends them as xsd:float: they came from a double, so a double holds them.
            Err(_) if t.contains(['e', 'E']) => t
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map_or_else(|| AnyValue::String(text.to_string()), AnyValue::Number),
            _ => AnyValue::String(text.to_string()),
        },
        XsiType::Boolean => match t {
            "true" | "1" => AnyValue::Bool(true),
            "false" | "0" => AnyValue::Bool(false),
            _ => AnyValue::String(text.to_string()),
        },
        XsiType::Base64 => AnyValue::String(base64_text(text)?),
        _ => AnyValue::String(text.to_string()),
    })
}

/// The text carried by a base64 value: SOAP::Lite sends strings with non-ASCII characters as
/// `xsd:base64Binary`, encoding the Perl string's internal bytes. Those are UTF-8 for a string
/// holding a character above U+00FF (or read from a UTF-8 source), but Latin-1 for one whose
/// characters all fit in a byte (`"Zo\x{eb}"`), so bytes that are not UTF-8 are read as
/// Latin-1: that is the text the Perl side held.
pub(crate) fn base64_text(text: &str) -> Result<String, String> {
    let bytes = base64::decode(text).ok_or("an xsd:base64Binary value is not valid base64")?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => e.into_bytes().into_iter().map(char::from).collect(),
    })
}

/// Adds an extra element by name; a name seen again turns into a list.
pub(crate) fn insert_extra(map: &mut Extra, name: String, value: AnyValue) {
    match map.get_mut(&name) {
        None => {
            map.insert(name, value);
        }
        Some(AnyValue::Array(items)) => items.push(value),
        Some(existing) => {
            let first = std::mem::take(existing);
            *existing = AnyValue::Array(vec![first, value]);
        }
    }
}

/// What one event inside a simple value adds to its text.
enum Piece<'e> {
    /// Text, line ends normalized, or CDATA.
    Text(Cow<'e, str>),
    /// A predefined entity or a character reference.
    Char(char),
    /// The value's end tag.
    End,
    /// Nothing (a comment, a processing instruction).
    Skip,
    /// What makes the value unreadable.
    Fail(String),
}

impl<'e> Piece<'e> {
    fn of(event: Event<'e>) -> Self {
        match event {
            Event::Text(t) if t.as_bytes().contains(&b'\r') => Piece::Text(t.xml10_content()),
            Event::Text(t) => Piece::Text(t.into_inner()),
            Event::CData(t) => Piece::Text(t.xml10_content()),
            Event::GeneralRef(r) => match resolve_reference(&r) {
                Some(c) => Piece::Char(c),
                None => Piece::Fail(unknown_entity(&r.xml10_content())),
            },
            Event::End(_) => Piece::End,
            Event::Start(tag) | Event::Empty(tag) => Piece::Fail(format!(
                "expected a simple value, found element <{}>",
                local_name(&tag)
            )),
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) => Piece::Skip,
            Event::DocType(_) => Piece::Fail("a DTD is not allowed in a SOAP message".into()),
            Event::Eof => Piece::Fail("the body ends inside a value".into()),
        }
    }

    /// The same piece, no longer borrowing the event it came from.
    fn into_owned(self) -> Piece<'static> {
        match self {
            Piece::Text(text) => Piece::Text(Cow::Owned(text.into_owned())),
            Piece::Char(c) => Piece::Char(c),
            Piece::End => Piece::End,
            Piece::Skip => Piece::Skip,
            Piece::Fail(message) => Piece::Fail(message),
        }
    }
}

/// The local part of a tag name.
#[inline]
fn local_name<'t>(tag: &'t BytesStart<'_>) -> &'t str {
    let name: &'t str = tag.name().into_inner();
    // Names are short, and field names have no prefix: a forward scan that usually finds
    // nothing is cheaper than a general search.
    let bytes = name.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b':' {
            start = i + 1;
        }
    }
    &name[start..]
}

/// Reads what decoding needs from a start tag's attributes: `xsi:nil`, `xsi:type`, the array
/// markers (with the item count `soapenc:arrayType` declares), and the other attributes (kept
/// only when there are some). Prefixes are not resolved: SOAP::Lite binds `xsi` and `soapenc`
/// to varying prefixes, and the local names are unambiguous in SOAP messages.
///
/// SOAP::Lite puts `xsi:type` on every value, so this runs for almost every element; it scans
/// the attribute bytes directly rather than through a general attribute iterator.
fn read_start(tag: &BytesStart<'_>, empty: bool) -> Result<(Start, Vec<(String, String)>), String> {
    let mut start = Start {
        empty,
        ..Start::default()
    };
    let mut others = Vec::new();
    let raw = tag.attributes_raw().as_bytes();
    let mut i = 0;
    // SOAP::Lite's usual start tag has exactly ` xsi:type="…"`: read it without the general
    // attribute loop.
    if let Some(rest) = raw.strip_prefix(XSI_TYPE_OPENING) {
        if let Some(end) = rest.iter().position(|&b| b == b'"') {
            start.xsi = XsiType::from_value(&rest[..end]);
            start.array = start.xsi == XsiType::Array;
            i = XSI_TYPE_OPENING.len() + end + 1;
            if i == raw.len() {
                return Ok((start, others));
            }
        }
    }
    loop {
        while i < raw.len() && raw[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= raw.len() {
            break;
        }
        let name_start = i;
        while i < raw.len() && raw[i] != b'=' && !raw[i].is_ascii_whitespace() {
            i += 1;
        }
        let name = &raw[name_start..i];
        while i < raw.len() && raw[i].is_ascii_whitespace() {
            i += 1;
        }
        if raw.get(i) != Some(&b'=') || name.is_empty() {
            return Err("malformed attribute: expected name=\"value\"".into());
        }
        i += 1;
        while i < raw.len() && raw[i].is_ascii_whitespace() {
            i += 1;
        }
        let quote = match raw.get(i) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => return Err("malformed attribute: the value is not quoted".into()),
        };
        i += 1;
        let value_start = i;
        while i < raw.len() && raw[i] != quote {
            i += 1;
        }
        if i >= raw.len() {
            return Err("malformed attribute: the value is not closed".into());
        }
        let value = &raw[value_start..i];
        i += 1;
        let (prefixed, local) = match name.iter().rposition(|&b| b == b':') {
            Some(p) => (true, &name[p + 1..]),
            None => (false, name),
        };
        match (prefixed, local) {
            (true, b"type") => {
                start.xsi = XsiType::from_value(value.trim_ascii());
                if start.xsi == XsiType::Array {
                    start.array = true;
                }
            }
            (true, b"nil") | (true, b"null") => {
                start.nil = matches!(value.trim_ascii(), b"true" | b"1")
            }
            (_, b"arrayType") => {
                start.array = true;
                start.declared_len = declared_len(value);
            }
            (_, b"href") => return Err("multi-reference values (href) are not supported".into()),
            (false, b"xmlns")
            | (_, b"encodingStyle")
            | (_, b"root")
            | (_, b"offset")
            | (_, b"position")
            | (false, b"id") => {}
            _ if name.starts_with(b"xmlns:") => {}
            _ => {
                let key = String::from_utf8_lossy(local).into_owned();
                let text = String::from_utf8_lossy(value);
                let value = quick_xml::escape::unescape(&text)
                    .map_err(|e| format!("attribute `{key}`: {e}"))?;
                others.push((key, value.into_owned()));
            }
        }
    }
    Ok((start, others))
}

/// The item count of `soapenc:arrayType="ns:Type[N]"`, if it is one number.
fn declared_len(value: &[u8]) -> Option<u32> {
    let open = value.iter().rposition(|&b| b == b'[')?;
    let digits = value[open + 1..].strip_suffix(b"]")?;
    std::str::from_utf8(digits).ok()?.trim().parse().ok()
}

/// The character of a predefined entity or a character reference.
fn resolve_reference(r: &quick_xml::events::BytesRef<'_>) -> Option<char> {
    if r.is_char_ref() {
        return r.resolve_char_ref().ok().flatten();
    }
    match r.xml10_content().as_ref() {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

fn unknown_entity(name: &str) -> String {
    let name: String = name.chars().take(32).collect();
    format!("entity reference `&{name};` is not allowed (no DTD entities are expanded)")
}

#[cfg(test)]
mod tests {
    use super::{base64_text, Child, DecodeError, Source, XmlDecoder};
    use crate::types::AccountInfo;
    use crate::wire::Limits;

    /// Decodes the document's root element as an `AccountInfo`: the value, or the error with
    /// its path and place.
    fn decode_account<S: Source>(mut decoder: XmlDecoder<S>) -> Result<AccountInfo, String> {
        let show = |e: DecodeError| format!("{} at {} {}:{}", e.message, e.path, e.line, e.column);
        let mut value = AccountInfo::default();
        let start = match decoder.next_child(|_| ()).map_err(show)? {
            Child::Start((), start) => start,
            Child::End => return Err("no root".into()),
        };
        decoder.decode_structure(&mut value, &start).map_err(show)?;
        decoder.finish().map_err(show)?;
        Ok(value)
    }

    /// A body in memory takes plain simple elements in one step; a stream reads every element
    /// as events. Both must give the same value, or the same error at the same place.
    fn same_as_stream(input: &[u8]) {
        let slice = XmlDecoder::from_slice(input, Limits::default())
            .map_err(|e| e.message.clone())
            .and_then(decode_account);
        let stream = decode_account(XmlDecoder::from_unbounded_reader(input, Limits::default()));
        let text = String::from_utf8_lossy(input);
        match (&slice, &stream) {
            (Ok(a), Ok(b)) => assert!(a == b, "{text}\nslice {a:?}\nstream {b:?}"),
            // Where a construct is left open, the stream's reader places the error at the end
            // of the input, and the slice's at where the construct begins: only the place
            // differs there.
            (Err(a), Err(b)) if a.contains("before end of input") => {
                let message = |e: &str| e.rsplit_once(' ').map(|(m, _)| m.to_string());
                assert_eq!(message(a), message(b), "{text}");
            }
            _ => assert_eq!(slice.err(), stream.err(), "{text}"),
        }
    }

    const ACCOUNT: &[u8] = b"<r xmlns:xsi=\"x\"><i_account xsi:type=\"xsd:long\">7</i_account>\
        <id xsi:type=\"xsd:string\">a b</id><ns1:product_name>p</ns1:product_name>\
        <customer_name xsi:type=\"xsd:string\">x &amp; y</customer_name>\
        <balance xsi:type=\"xsd:decimal\">1.5</balance><blocked xsi:type=\"xsd:string\">Y</blocked>\
        <activation_date xsi:type=\"xsd:date\">2023-05-01</activation_date>\
        <last_usage xsi:type=\"xsd:dateTime\">2023-11-02 17:19:00</last_usage>\
        <idle_days xsi:type=\"xsd:long\"> </idle_days><login xsi:type=\"xsd:string\"></login>\
        <iso_4217>USD</iso_4217>\n  <h323_password xsi:type=\"xsd:base64Binary\">SsO8cmdlbg==</h323_password>\
        <cont1 xsi:type=\"xsd:string\">two\r\nlines</cont1><no_such_field>u</no_such_field>\
        <included_services><item>1</item><item>2</item></included_services>\
        <service_features><item><name>voice</name><effective_flag_value>Y</effective_flag_value></item></service_features>\
        <i_customer xsi:nil=\"true\"/><i_lang>en</i_lang></r>";

    #[test]
    fn plain_elements_in_one_step_decode_as_the_general_path_does() {
        let documents: &[&[u8]] = &[
            ACCOUNT,
            b"<r><i_account>12x</i_account></r>",
            b"<r><i_account>1</i_acount></r>",
            b"<r><i_account>1</i_account ></r>",
            b"<r><i_account>1</i_account></r></r>",
            b"<r><i_account>1</i_account>",
            b"<r><i_account xsi:type=\"xsd:long\" x=\"1\">1</i_account></r>",
            b"<r><i_account  xsi:type=\"xsd:long\">1</i_account></r>",
            b"<r><i_account xsi:type=\"soapenc:Array\">1</i_account></r>",
            b"<r><balance xsi:type='xsd:decimal'>1.5</balance></r>",
            b"<r><blocked>maybe</blocked><i'd>1</i'd></r>",
            b"<r>\n\t<i_account>1</i_account>\r\n<id>\xff</id></r>",
            b"<r><id>a<!-- c -->b</id><id>c</id></r>",
            b"<r><service_features>1</service_features></r>",
        ];
        for input in documents {
            same_as_stream(input);
        }
        // Every single-byte change to the account, as a fuzzer would make them.
        let noise = b"<>/\"'&!?:= \r\n\xff";
        for at in 0..ACCOUNT.len() {
            for &byte in noise {
                let mut doc = ACCOUNT.to_vec();
                doc[at] = byte;
                same_as_stream(&doc);
            }
            let mut doc = ACCOUNT.to_vec();
            doc.remove(at);
            same_as_stream(&doc);
        }
    }

    #[test]
    fn base64_text_is_utf8_or_else_latin1_as_soaplite_sends_it() {
        // "Jürgen" with wide characters or from UTF-8 bytes: SOAP::Lite sends UTF-8.
        assert_eq!(base64_text("SsO8cmdlbg==").unwrap(), "Jürgen");
        // "Zo\x{eb}" held as Latin-1 (not upgraded): SOAP::Lite sends the byte 0xEB.
        assert_eq!(base64_text("Wm/r").unwrap(), "Zoë");
        assert!(base64_text("not base64!").is_err());
    }

    #[test]
    fn untyped_floats_in_perl_exponent_form_are_numbers() {
        use super::{typed_text, XsiType};
        use serde_json::json;
        assert_eq!(
            typed_text("1e-05", XsiType::Number).unwrap(),
            json!(0.00001)
        );
        assert_eq!(typed_text("1e+21", XsiType::Number).unwrap(), json!(1e21));
        assert_eq!(typed_text("-0.5", XsiType::Number).unwrap(), json!(-0.5));
        assert_eq!(typed_text("NaN", XsiType::Number).unwrap(), json!("NaN"));
        assert_eq!(typed_text("INF", XsiType::Number).unwrap(), json!("INF"));
        assert_eq!(
            typed_text("1e999", XsiType::Number).unwrap(),
            json!("1e999")
        );
    }
}
