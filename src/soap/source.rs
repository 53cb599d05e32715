//! Where the SOAP decoder's XML events come from: a body in memory ([`SliceSource`]) or a
//! stream ([`StreamSource`]), both read by quick-xml. A body in memory is the common case, and
//! there the plainest events (tags of ASCII text, text with no reference) are read from the
//! slice here, which costs less than the reader's general path, and the plainest element, a
//! simple value with its `xsi:type`, can be taken whole ([`Source::peek_simple`]); everything
//! else, and every event of a stream, is the reader's. Both check that each end tag closes the
//! element open.

use std::borrow::Cow;
use std::io::BufRead;

use quick_xml::errors::IllFormedError;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Reader;

/// A source of XML events: a byte slice, or a buffered stream.
pub trait Source {
    /// Whether [`next_event_keeping_text`](Self::next_event_keeping_text) keeps text that
    /// stays readable after later events. When it does not, the decoder copies a value's
    /// text as it reads it.
    const KEEPS_TEXT: bool = false;
    /// The next event.
    fn next_event(&mut self) -> Result<Event<'_>, quick_xml::Error>;
    /// The line and column of the current position.
    fn location(&self) -> (u64, u64);
    /// The next event; if it is text, the source keeps it for
    /// [`kept_text`](Self::kept_text) where it can.
    fn next_event_keeping_text(&mut self) -> Result<Event<'_>, quick_xml::Error> {
        self.next_event()
    }
    /// The text kept by the last [`next_event_keeping_text`](Self::next_event_keeping_text),
    /// still where the source read it. A stream reuses its buffer for each event and keeps
    /// nothing.
    fn kept_text(&self) -> Option<&str> {
        None
    }
    /// Takes the text from here up to the next `<` without reading it as an event, when it
    /// is one plain stretch (no reference, no carriage return, at most `max` bytes) followed by
    /// an end tag; keeps it for [`kept_text`](Self::kept_text) and returns `Ok(true)`. Returns
    /// `Ok(false)`, having taken nothing, when the text is anything else or the source cannot
    /// do this. Only valid right after a start tag.
    fn take_plain_text(&mut self, max: usize) -> Result<bool, quick_xml::Error> {
        let _ = max;
        Ok(false)
    }
    /// Looks at the next child of the current element without taking it, when it is the
    /// plainest kind: optional whitespace, then `<name>` or `<name xsi:type="…">`, one
    /// stretch of plain text (no reference, no carriage return, 1 to `max_text` bytes) and
    /// `</name>`. `None` for anything else, or where the source cannot look ahead. Only
    /// valid where [`next_event`](Self::next_event) would read the child's start tag.
    fn peek_simple(&self, max_text: usize) -> Option<SimpleElement<'_>> {
        let _ = max_text;
        None
    }
    /// Takes the element [`peek_simple`](Self::peek_simple) returned, `len` bytes.
    fn take_simple(&mut self, len: usize) {
        let _ = len;
    }
}

/// A child element holding only plain text, seen by [`Source::peek_simple`]: in a SOAP::Lite
/// body, almost every element.
pub struct SimpleElement<'s> {
    /// The element's name without its prefix.
    pub local_name: &'s str,
    /// The value of its `xsi:type` attribute, if it has one.
    pub xsi_type: Option<&'s [u8]>,
    /// Its text, as written (it holds no reference).
    pub text: &'s str,
    /// Its length in the input, for [`Source::take_simple`].
    pub len: usize,
}

/// Events borrowed from a byte slice: the fast path for bodies read into memory.
///
/// The input is checked as UTF-8 once, up front. Plain events are then read here from the
/// front of the reader's slice while the reader is in its text state (between events, reading
/// on from wherever its slice begins), so what is taken here is simply not seen by the reader.
/// Since the reader then does not see every tag, the end-tag check is done here, for the
/// reader's tags and these alike.
pub struct SliceSource<'a> {
    reader: Reader<&'a [u8]>,
    input: &'a [u8],
    /// The input up to its first byte that is not UTF-8 (all of it, in a sound body): what
    /// the events read here come from. The reader reads, and reports, the rest.
    valid: &'a str,
    /// The text kept, borrowed from the input (checked as UTF-8).
    kept: Option<&'a str>,
    /// Whether the reader is between events in its text state. After a text event it is not:
    /// it has already seen the `<` that ends the text, and the next event must be its own.
    reader_in_text: bool,
    /// The names of the open elements, one after another, and where each begins.
    open_names: String,
    open_starts: Vec<usize>,
}

impl<'a> SliceSource<'a> {
    /// A source over `input`.
    pub fn new(input: &'a [u8]) -> Self {
        let mut reader = configured(Reader::from_reader(input));
        // The end-tag check is done here (the reader does not see the tags read here).
        reader.config_mut().check_end_names = false;
        reader.config_mut().allow_unmatched_ends = true;
        let valid = match std::str::from_utf8(input) {
            Ok(valid) => valid,
            Err(e) => std::str::from_utf8(&input[..e.valid_up_to()]).unwrap_or_default(),
        };
        SliceSource {
            reader,
            input,
            valid,
            kept: None,
            reader_in_text: false,
            // Room for a SOAP body's usual depth, so that the first elements do not grow them.
            open_names: String::with_capacity(128),
            open_starts: Vec::with_capacity(16),
        }
    }

    /// The next event, borrowed from the input.
    ///
    /// The reader keeps the name of each start tag it reads until it reads the element's end
    /// tag, which may instead be read here. So that this list does not grow with the body, the
    /// reader reads a start tag only as the document's first event or where decoding then
    /// fails (a tag cut off, bytes that are not UTF-8): its own text events are only text
    /// before a reference, and after the reference it is back in its text state, where tags
    /// are read here.
    fn next(&mut self) -> Result<Event<'a>, quick_xml::Error> {
        if self.reader_in_text {
            if let Some(event) = self.read_plain()? {
                return Ok(event);
            }
        }
        let event = self.reader.read_event();
        // After text the reader has seen the `<` that ends it; after the end of the input or
        // an error it has stopped, and the slice may still hold bytes it will not read.
        self.reader_in_text = match &event {
            Ok(Event::Text(_) | Event::Eof) | Err(_) => false,
            Ok(Event::Start(tag)) => {
                self.open(tag.name().into_inner());
                true
            }
            Ok(Event::End(tag)) => {
                self.close(tag.name().into_inner())?;
                true
            }
            Ok(_) => true,
        };
        event
    }

    /// Where the reader's slice begins in the input: exact whichever path read the last
    /// event (the reader's own position counts neither the bytes read here nor a byte-order
    /// mark).
    fn position(&self) -> usize {
        self.input.len() - self.reader.get_ref().len()
    }

    /// The valid text from the reader's position on (empty when it is not valid).
    fn rest(&self) -> &'a str {
        self.valid.get(self.position()..).unwrap_or_default()
    }

    /// Moves the reader past `len` bytes read here.
    fn advance(&mut self, len: usize) {
        let rest: &'a [u8] = self.reader.get_ref();
        *self.reader.get_mut() = rest.get(len..).unwrap_or_default();
    }

    /// Reads the event at the front of the reader's slice when it is plain: a start, empty or
    /// end tag, or text with no reference followed by markup. `None`,
    /// having read nothing, for anything else (comments, CDATA, declarations, references, a
    /// tag or text cut short, bytes that are not UTF-8, the end of the input): the reader
    /// reads that.
    fn read_plain(&mut self) -> Result<Option<Event<'a>>, quick_xml::Error> {
        let rest = self.rest();
        let bytes = rest.as_bytes();
        let (event, len) = match bytes {
            [b'<', b'/', ..] => {
                // Past the tag before the check, as the reader is when it reports a mismatch.
                if let Some(len) = self.closes_open(bytes) {
                    let name = rest.get(2..len - 1).unwrap_or_default();
                    self.advance(len);
                    self.close_open();
                    return Ok(Some(Event::End(BytesEnd::new(name))));
                }
                let Some(len) = tag_len(bytes) else {
                    return Ok(None);
                };
                // Trailing whitespace is not part of the name (unless it is all there is, as
                // the reader has it).
                let content = rest.get(2..len - 1).unwrap_or_default();
                let kept = content
                    .bytes()
                    .rposition(|b| !is_whitespace(b))
                    .map_or(content.len(), |p| p + 1);
                let name = content.get(..kept).unwrap_or(content);
                self.advance(len);
                self.close(name)?;
                return Ok(Some(Event::End(BytesEnd::new(name))));
            }
            [b'<', b'!' | b'?', ..] | [b'<'] | [] => return Ok(None),
            [b'<', ..] => {
                let Some(len) = tag_len(bytes) else {
                    return Ok(None);
                };
                let content = &rest[1..len - 1];
                let (content, empty) = match content.strip_suffix('/') {
                    Some(content) => (content, true),
                    None => (content, false),
                };
                let name_len = content
                    .bytes()
                    .position(is_whitespace)
                    .unwrap_or(content.len());
                if !empty {
                    self.open(&content[..name_len]);
                }
                let tag = BytesStart::from_content(content, name_len);
                (
                    if empty {
                        Event::Empty(tag)
                    } else {
                        Event::Start(tag)
                    },
                    len,
                )
            }
            // Text with carriage returns too (its event holds them raw, as the reader's does):
            // were such text the reader's, the next tag would be too, and the reader keeps the
            // names of the tags it opens until it reads their end tags, which it may not.
            _ => match memchr::memchr2(b'<', b'&', bytes) {
                Some(end) if bytes[end] == b'<' => {
                    (Event::Text(BytesText::from_escaped(&rest[..end])), end)
                }
                _ => return Ok(None),
            },
        };
        self.advance(len);
        Ok(Some(event))
    }

    /// The length of the end tag at the front of `rest` when it is the usual one, exactly `</`
    /// the open name `>`: recognised without a search, and closing the element without a
    /// second comparison. Not for a name holding a quote (which opens a quoted stretch in the
    /// reader's scan of a tag).
    fn closes_open(&self, rest: &[u8]) -> Option<usize> {
        let start = *self.open_starts.last()?;
        let open = &self.open_names.as_bytes()[start..];
        end_tag_len(rest, open).filter(|_| memchr::memchr2(b'"', b'\'', open).is_none())
    }

    /// Closes the element open, whose end tag [`closes_open`](Self::closes_open) recognised.
    fn close_open(&mut self) {
        if let Some(start) = self.open_starts.pop() {
            self.open_names.truncate(start);
        }
    }

    fn open(&mut self, name: &str) {
        self.open_starts.push(self.open_names.len());
        self.open_names.push_str(name);
    }

    /// Checks that `name` closes the element open, and closes it.
    fn close(&mut self, name: &str) -> Result<(), quick_xml::Error> {
        let Some(start) = self.open_starts.pop() else {
            return Err(IllFormedError::UnmatchedEndTag(name.to_string()).into());
        };
        let open = self.open_names.get(start..).unwrap_or_default();
        let result = if open == name {
            Ok(())
        } else {
            Err(IllFormedError::MismatchedEndTag {
                expected: open.to_string(),
                found: name.to_string(),
            }
            .into())
        };
        self.open_names.truncate(start);
        result
    }
}

/// The length of the tag at the front of `rest` through its `>`: the first `>` outside
/// quotes, as the reader scans a tag.
fn tag_len(rest: &[u8]) -> Option<usize> {
    let mut at = 1;
    loop {
        let found = at + memchr::memchr3(b'>', b'"', b'\'', rest.get(at..)?)?;
        let b = rest[found];
        if b == b'>' {
            return Some(found + 1);
        }
        at = found + 1 + memchr::memchr(b, rest.get(found + 1..)?)? + 1;
    }
}

/// The length of the end tag at the front of `rest` when it is exactly `</` `name` `>`.
// This and `plain_text_len` run for almost every element: left to rustc they stayed calls,
// and the 10,000-account decode was 5% slower (measured).
#[inline(always)]
fn end_tag_len(rest: &[u8], name: &[u8]) -> Option<usize> {
    let after = 2 + name.len();
    (rest.starts_with(b"</") && rest.get(2..after) == Some(name) && rest.get(after) == Some(&b'>'))
        .then_some(after + 1)
}

/// The length of the text at the front of `rest` when it is a value's plainest: 1 to `max`
/// bytes with no reference and no carriage return, then an end tag.
#[inline(always)]
fn plain_text_len(rest: &[u8], max: usize) -> Option<usize> {
    let window = &rest[..rest.len().min(max.saturating_add(1))];
    let end = memchr::memchr3(b'<', b'&', b'\r', window)?;
    (end > 0 && window[end] == b'<' && rest.get(end + 1) == Some(&b'/')).then_some(end)
}

/// How SOAP::Lite's start tags go on after the name: ` xsi:type="`, then the type. Both fast
/// paths (a simple element here, a start tag's attributes in the decoder) look for exactly
/// this before any general attribute scan.
pub(crate) const XSI_TYPE_OPENING: &[u8] = b" xsi:type=\"";

/// XML's whitespace, as the reader counts it.
fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

impl<'a> Source for SliceSource<'a> {
    // The events borrow from the input, which outlives them: a simple value's text is read in
    // place, with no copy.
    const KEEPS_TEXT: bool = true;

    fn next_event(&mut self) -> Result<Event<'_>, quick_xml::Error> {
        self.next()
    }

    fn next_event_keeping_text(&mut self) -> Result<Event<'_>, quick_xml::Error> {
        self.kept = None;
        Ok(match self.next()? {
            Event::Text(text) => {
                let content = text.into_inner();
                if let Cow::Borrowed(s) = content {
                    self.kept = Some(s);
                }
                Event::Text(BytesText::from_escaped(content))
            }
            other => other,
        })
    }

    fn kept_text(&self) -> Option<&str> {
        self.kept
    }

    // A value's text is the most common event in a SOAP body: taken here, with no event of
    // its own, when one plain stretch runs up to an end tag.
    fn take_plain_text(&mut self, max: usize) -> Result<bool, quick_xml::Error> {
        self.kept = None;
        if !self.reader_in_text {
            return Ok(false);
        }
        let rest = self.rest();
        match plain_text_len(rest.as_bytes(), max) {
            Some(end) => {
                self.kept = rest.get(..end);
                self.advance(end);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn peek_simple(&self, max_text: usize) -> Option<SimpleElement<'_>> {
        if !self.reader_in_text {
            return None;
        }
        let rest = self.rest();
        let bytes = rest.as_bytes();
        let open = bytes.iter().position(|&b| !is_whitespace(b))?;
        if bytes.get(open) != Some(&b'<') {
            return None;
        }
        // The name: up to the end of the tag or its first attribute. A name holding a quote
        // (which would open a quoted stretch in the reader's scan), `!`, `?` or `/` is not
        // plain.
        let name_start = open + 1;
        let mut at = name_start;
        let mut local_start = name_start;
        loop {
            match *bytes.get(at)? {
                b'>' | b' ' => break,
                b':' => local_start = at + 1,
                b'"' | b'\'' | b'/' | b'<' | b'!' | b'?' | b'\t' | b'\r' | b'\n' => return None,
                _ => {}
            }
            at += 1;
        }
        let name = rest.get(name_start..at).filter(|n| !n.is_empty())?;
        let local_name = rest.get(local_start..at).filter(|n| !n.is_empty())?;
        let xsi_type = if bytes[at] == b' ' {
            let value_start = at + XSI_TYPE_OPENING.len();
            if bytes.get(at..value_start) != Some(XSI_TYPE_OPENING) {
                return None;
            }
            let value_len = memchr::memchr(b'"', bytes.get(value_start..)?)?;
            at = value_start + value_len + 1;
            if bytes.get(at) != Some(&b'>') {
                return None;
            }
            Some(&bytes[value_start..value_start + value_len])
        } else {
            None
        };
        let text_start = at + 1;
        let after = bytes.get(text_start..)?;
        let text_len = plain_text_len(after, max_text)?;
        let close_len = end_tag_len(&after[text_len..], name.as_bytes())?;
        Some(SimpleElement {
            local_name,
            xsi_type,
            text: rest.get(text_start..text_start + text_len)?,
            len: text_start + text_len + close_len,
        })
    }

    fn take_simple(&mut self, len: usize) {
        self.kept = None;
        self.advance(len);
    }

    fn location(&self) -> (u64, u64) {
        let pos = self.position();
        let before = &self.input[..pos];
        let line = memchr::memchr_iter(b'\n', before).count() + 1;
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        (line as u64, (pos - line_start + 1) as u64)
    }
}

/// Events read from a stream through a reused buffer, for decoding straight from a socket.
/// It counts lines as it goes, and stops at the byte limit.
pub struct StreamSource<R> {
    reader: Reader<Counted<R>>,
    buf: Vec<u8>,
}

impl<R: BufRead> StreamSource<R> {
    /// A source over `input` that refuses to read more than `max_bytes`.
    pub fn new(input: R, max_bytes: u64) -> Self {
        StreamSource {
            reader: configured(Reader::from_reader(Counted {
                inner: input,
                consumed: 0,
                lines: 1,
                line_start: 0,
                max_bytes,
            })),
            buf: Vec::with_capacity(4096),
        }
    }
}

impl<R: BufRead> Source for StreamSource<R> {
    fn next_event(&mut self) -> Result<Event<'_>, quick_xml::Error> {
        self.buf.clear();
        self.reader.read_event_into(&mut self.buf)
    }

    fn location(&self) -> (u64, u64) {
        let counted = self.reader.get_ref();
        let pos = self.reader.buffer_position();
        (counted.lines, pos.saturating_sub(counted.line_start) + 1)
    }
}

/// A `BufRead` that counts bytes and lines and enforces a size limit.
struct Counted<R> {
    inner: R,
    consumed: u64,
    lines: u64,
    line_start: u64,
    max_bytes: u64,
}

impl<R: BufRead> std::io::Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.consumed >= self.max_bytes {
            return Err(std::io::Error::other(format!(
                "the body is larger than the limit of {} bytes",
                self.max_bytes
            )));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let taken = &buf[..amt.min(buf.len())];
            for (i, &b) in taken.iter().enumerate() {
                if b == b'\n' {
                    self.lines += 1;
                    self.line_start = self.consumed + i as u64 + 1;
                }
            }
        }
        self.consumed += amt as u64;
        self.inner.consume(amt);
    }
}

/// A reader configured as the decoder needs it: end tags checked, empty elements as one event.
fn configured<R>(mut reader: Reader<R>) -> Reader<R> {
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;
    reader
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The events of `input` up to the end or the first error, as text.
    fn events(source: &mut impl Source) -> Vec<String> {
        let mut out = Vec::new();
        for _ in 0..10_000 {
            match source.next_event() {
                Ok(Event::Eof) => break,
                Ok(Event::Text(t)) => out.push(format!("text {:?}", t.as_ref())),
                Ok(Event::Start(t)) => out.push(format!("start {:?}", t.as_ref())),
                Ok(Event::Empty(t)) => out.push(format!("empty {:?}", t.as_ref())),
                Ok(Event::End(t)) => out.push(format!("end {:?}", t.name().into_inner())),
                Ok(other) => out.push(format!("{other:?}")),
                Err(e) => {
                    out.push(format!("error {e}"));
                    break;
                }
            }
        }
        out
    }

    /// The slice source must read every document as the reader alone reads it from a stream.
    fn same_as_reader(input: &[u8]) {
        let slice = events(&mut SliceSource::new(input));
        let stream = events(&mut StreamSource::new(input, u64::MAX));
        assert_eq!(slice, stream, "input {:?}", String::from_utf8_lossy(input));
    }

    #[test]
    fn plain_and_unusual_documents_read_as_the_reader_reads_them() {
        let documents: &[&[u8]] = &[
            b"<?xml version=\"1.0\"?><a><b x=\"1\">t</b><c/><d />\n <e></e></a>",
            b"<a><b x='>' y=\"'\">v</b></a>",
            b"<a><b>one &amp; two</b><c>x\r\ny</c></a>",
            b"<a><!-- note --><![CDATA[<raw>]]><?pi x?></a>",
            b"<a><b></c></a>",
            b"<a></a></a>",
            b"<a><b></b >\t</a\n>",
            b"<a><b x=\"1></b></a>",
            b"<a><b",
            b"<a>text at the end",
            b"<a><\xc3\xa9>\xc3\xa9</\xc3\xa9></a>",
            b"<a><b>\xff</b></a>",
            b"<a><b \xff=\"1\">x</b></a>",
            b"\xef\xbb\xbf<a>bom</a>",
            b"<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>",
            b"<a></></a>",
            b"<a>< b></a>",
            b"</a>",
            b"<a><b/ ></a>",
            b"<a>&#65;<b>&lt;</b></a>",
            b"<a' '>x</a'>'>",
            b"<r>\r<b></b>\r\n<b>\r</b>a&amp;\r<c/></r>",
            b"<a><![x]]><b>",
        ];
        for input in documents {
            same_as_reader(input);
        }
    }

    #[test]
    fn nothing_is_read_after_an_error_or_the_end() {
        for input in [&b"<a><![x]]><b></b></a>"[..], b"<a></a><b></b>"] {
            let mut source = SliceSource::new(input);
            let mut stopped = 0;
            for _ in 0..20 {
                match source.next_event() {
                    Ok(Event::Eof) | Err(_) => stopped += 1,
                    Ok(_) if stopped > 0 => panic!("an event after the end: {input:?}"),
                    Ok(_) => {}
                }
            }
            assert!(stopped > 1, "{input:?}");
        }
    }

    #[test]
    fn errors_are_placed_where_the_reader_alone_places_them() {
        for input in [&b"<a>\n<b></c></a>"[..], b"<a>\n<b>x</b></a></a>"] {
            let mut slice = SliceSource::new(input);
            let mut stream = StreamSource::new(input, u64::MAX);
            while slice.next_event().is_ok() {}
            while stream.next_event().is_ok() {}
            assert_eq!(slice.location(), stream.location(), "{input:?}");
        }
        let mut slice = SliceSource::new(b"<a>\n<b></c></a>");
        while slice.next_event().is_ok() {}
        assert_eq!(slice.location(), (2, 8));
    }

    #[test]
    fn damaged_documents_read_as_the_reader_reads_them() {
        let base = b"<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"urn:s\"><s:Body>\
            <r><list xsi:type=\"soapenc:Array\" soapenc:arrayType=\"t[2]\"><item xsi:type=\"t\">\
            <id xsi:type=\"xsd:int\">1</id><name xsi:type=\"xsd:string\">a &amp; b</name>\
            </item><item><id>2</id><name/><note>caf\xc3\xa9</note></item></list></r>\
            </s:Body></s:Envelope>";
        let noise = b"<>/\"'&!?= \r\n\xff\xc3ab";
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..3000 {
            let mut doc = base.to_vec();
            for _ in 0..1 + next() % 3 {
                let at = (next() % doc.len() as u64) as usize;
                let byte = noise[(next() % noise.len() as u64) as usize];
                match next() % 3 {
                    0 => doc[at] = byte,
                    1 => doc.insert(at, byte),
                    _ => {
                        doc.remove(at);
                    }
                }
            }
            same_as_reader(&doc);
        }
    }
}
