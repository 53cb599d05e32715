//! SOAP 1.1 envelopes: writing requests and responses, reading them back, and faults.
//!
//! A request is rpc/encoded as PortaBilling expects it: the body element is the method name in
//! the service namespace (`…/Porta/SOAP/Account`), holding one accessor with the request
//! structure; the session travels in an `auth_info` header. A response is read whether the
//! server put the structure under one accessor element of any name or spread its fields
//! directly in the response element. The same functions serve the simulator's side.

use crate::model::{AnyValue, Extra, OperationInfo, StructType, Structure, Style};

use super::decode::{insert_extra, Child, DecodeError, Peek, Start, XmlDecoder};
use super::encode::{EncodeError, XmlEncoder, SOAPENC_NS, SOAP_ENV_NS, XSD_NS, XSI_NS};
use super::source::Source;
use crate::wire::{Fault, Limits};

/// The namespace of PortaBilling's `auth_info` header and shared types.
pub const PORTAONE_NS: &str = "http://schemas.portaone.com/soap";

/// What a response held: a value or a fault.
#[derive(Debug)]
pub enum ValueOrFault<T> {
    /// The response value.
    Value(T),
    /// A fault.
    Fault(Fault),
}

/// A SOAP header entry with simple child values, such as `auth_info` with `session_id`.
#[derive(Clone, Copy, Debug)]
pub struct HeaderEntry<'a> {
    /// The header element name.
    pub element: &'a str,
    /// Its namespace.
    pub namespace: &'a str,
    /// Its children: names and text values.
    pub values: &'a [(&'a str, &'a str)],
}

/// Where the body of a request goes.
#[derive(Clone, Copy, Debug)]
pub struct BodyTarget<'a> {
    /// The namespace of the body element.
    pub namespace: &'a str,
    /// The body element.
    pub element: &'a str,
    /// The accessor that holds the structure, or `None` to spread its fields.
    pub accessor: Option<&'a str>,
    /// Whether to write `xsi:type` and SOAP-encoded arrays.
    pub encoded: bool,
    /// Whether to write the structure's empty lists as empty arrays, as a SOAP::Lite server
    /// does in its answers.
    pub empty_lists: bool,
}

impl<'a> BodyTarget<'a> {
    /// The request body of `op`, in `namespace` (the server's own, usually).
    pub fn request(op: &'a OperationInfo, namespace: &'a str) -> Self {
        BodyTarget {
            namespace,
            element: op.request_element,
            accessor: op.request_part,
            encoded: op.encoded,
            empty_lists: false,
        }
    }

    /// The response body of `op`, as the simulator writes it.
    pub fn response(op: &'a OperationInfo, namespace: &'a str) -> Self {
        BodyTarget {
            namespace,
            element: op.response_element,
            accessor: match op.style {
                Style::Rpc => Some(op.response.name),
                Style::Document => None,
            },
            encoded: op.encoded,
            empty_lists: true,
        }
    }
}

/// Writes a whole envelope: the header entries, then the body element with `body` inside.
pub fn envelope(
    header: Option<HeaderEntry<'_>>,
    target: &BodyTarget<'_>,
    body: impl FnOnce(&mut XmlEncoder) -> Result<(), EncodeError>,
) -> Result<Vec<u8>, EncodeError> {
    envelope_with(header, target, &[], body)
}

/// [`envelope`], with attributes (already written as ` name="value"`) on the body element.
fn envelope_with(
    header: Option<HeaderEntry<'_>>,
    target: &BodyTarget<'_>,
    body_attributes: &[u8],
    body: impl FnOnce(&mut XmlEncoder) -> Result<(), EncodeError>,
) -> Result<Vec<u8>, EncodeError> {
    let mut enc = XmlEncoder::new(target.encoded);
    enc.empty_lists = target.empty_lists;
    body(&mut enc)?;
    let mut out = Vec::with_capacity(enc.out.len() + 640);
    out.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    out.extend_from_slice(b"<soap:Envelope xmlns:soap=\"");
    out.extend_from_slice(SOAP_ENV_NS.as_bytes());
    out.extend_from_slice(b"\" xmlns:soapenc=\"");
    out.extend_from_slice(SOAPENC_NS.as_bytes());
    out.extend_from_slice(b"\" xmlns:xsd=\"");
    out.extend_from_slice(XSD_NS.as_bytes());
    out.extend_from_slice(b"\" xmlns:xsi=\"");
    out.extend_from_slice(XSI_NS.as_bytes());
    out.push(b'"');
    for (uri, prefix) in enc.namespaces() {
        out.extend_from_slice(b" xmlns:");
        out.extend_from_slice(prefix.as_bytes());
        out.extend_from_slice(b"=\"");
        super::encode::escape_into(&mut out, uri, true);
        out.push(b'"');
    }
    if target.encoded {
        out.extend_from_slice(b" soap:encodingStyle=\"");
        out.extend_from_slice(SOAPENC_NS.as_bytes());
        out.push(b'"');
    }
    out.push(b'>');
    if let Some(HeaderEntry {
        element,
        namespace,
        values: entries,
    }) = header
    {
        out.extend_from_slice(b"<soap:Header><h:");
        out.extend_from_slice(element.as_bytes());
        out.extend_from_slice(b" xmlns:h=\"");
        super::encode::escape_into(&mut out, namespace, true);
        out.extend_from_slice(b"\">");
        let mut entry_enc = XmlEncoder::new(target.encoded);
        for (name, value) in entries {
            entry_enc.text(name, "string", value)?;
        }
        out.extend_from_slice(&entry_enc.into_bytes());
        out.extend_from_slice(b"</h:");
        out.extend_from_slice(element.as_bytes());
        out.extend_from_slice(b"></soap:Header>");
    }
    out.extend_from_slice(b"<soap:Body>");
    // The body element `<m:method xmlns:m="namespace">` around the content.
    out.extend_from_slice(b"<m:");
    out.extend_from_slice(target.element.as_bytes());
    out.extend_from_slice(b" xmlns:m=\"");
    super::encode::escape_into(&mut out, target.namespace, true);
    out.push(b'"');
    out.extend_from_slice(body_attributes);
    out.push(b'>');
    out.extend_from_slice(&enc.into_bytes());
    out.extend_from_slice(b"</m:");
    out.extend_from_slice(target.element.as_bytes());
    out.extend_from_slice(b"></soap:Body></soap:Envelope>");
    Ok(out)
}

/// Writes a structure as a request or response body.
pub fn encode(
    header: Option<HeaderEntry<'_>>,
    target: &BodyTarget<'_>,
    value: &dyn Structure,
) -> Result<Vec<u8>, EncodeError> {
    match target.accessor {
        Some(accessor) => envelope(header, target, |enc| enc.structure(accessor, value)),
        None => {
            // Spread: the body element is the structure's own element, with its attributes.
            let attributes = XmlEncoder::attributes_of(value);
            envelope_with(header, target, &attributes, |enc| {
                enc.structure_content(value)
            })
        }
    }
}

/// Writes an untyped value (an object of parameters) as a request body.
pub fn encode_any(
    header: Option<HeaderEntry<'_>>,
    target: &BodyTarget<'_>,
    value: &AnyValue,
) -> Result<Vec<u8>, EncodeError> {
    envelope(header, target, |enc| {
        enc.any(target.accessor.unwrap_or("params"), value)
    })
}

/// Writes a fault envelope, as a SOAP::Lite server does (the code prefixed with `soap:`).
pub fn encode_fault(code: &str, message: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><soap:Envelope xmlns:soap=\"",
    );
    out.extend_from_slice(SOAP_ENV_NS.as_bytes());
    out.extend_from_slice(b"\" xmlns:xsi=\"");
    out.extend_from_slice(XSI_NS.as_bytes());
    out.extend_from_slice(b"\" xmlns:xsd=\"");
    out.extend_from_slice(XSD_NS.as_bytes());
    out.extend_from_slice(b"\"><soap:Body><soap:Fault><faultcode>soap:");
    super::encode::escape_into(&mut out, code, false);
    out.extend_from_slice(b"</faultcode><faultstring>");
    super::encode::escape_into(&mut out, message, false);
    out.extend_from_slice(b"</faultstring></soap:Fault></soap:Body></soap:Envelope>");
    out
}

/// What the start of a body held.
pub(crate) enum BodyStart {
    /// The first body element (the response or request wrapper).
    Element {
        /// Its local name.
        name: String,
        /// Its namespace, if declared on it or above it.
        namespace: Option<String>,
        /// Its start tag.
        start: Start,
    },
    /// A fault.
    Fault(Fault),
}

/// Reads up to the first body element, skipping the header (or, with `header_out`, reading
/// its entries as untyped values).
pub(crate) fn open_body<S: Source>(
    d: &mut XmlDecoder<S>,
    mut header_out: Option<&mut Extra>,
) -> Result<BodyStart, DecodeError> {
    // The envelope: the first element of the document.
    let (other_name, envelope) =
        match d.next_child_ns(|n, _| (n != "Envelope").then(|| n.to_string()))? {
            Child::Start(other_name, start) => (other_name, start),
            Child::End => return Err(d.error("no SOAP envelope")),
        };
    if let Some(name) = other_name {
        return Err(d.error(format!(
            "expected a SOAP envelope, found <{name}> (is this an error page?)"
        )));
    }
    if envelope.empty {
        return Err(d.error("the SOAP envelope is empty"));
    }
    d.enter("Envelope");
    loop {
        match d.next_child_ns(|n, _| ["Header", "Body"].into_iter().find(|part| *part == n))? {
            Child::End => return Err(d.error("the SOAP envelope has no Body")),
            Child::Start(Some("Header"), start) => match header_out.as_deref_mut() {
                Some(out) if !start.empty => loop {
                    match d.next_child(str::to_string)? {
                        Child::End => break,
                        Child::Start(entry, entry_start) => {
                            let value = d.decode_any(&entry_start)?;
                            insert_extra(out, entry, value);
                        }
                    }
                },
                _ => d.skip(&start)?,
            },
            Child::Start(Some("Body"), start) => {
                d.enter("Body");
                if start.empty {
                    return Err(d.error("the SOAP Body is empty"));
                }
                return match d.next_child_ns(|n, ns| (n.to_string(), ns.map(str::to_string)))? {
                    Child::End => Err(d.error("the SOAP Body is empty")),
                    Child::Start((name, _), start) if name == "Fault" => {
                        read_fault(d, &start).map(BodyStart::Fault)
                    }
                    Child::Start((name, namespace), start) => Ok(BodyStart::Element {
                        name,
                        namespace,
                        start,
                    }),
                };
            }
            Child::Start(_, start) => d.skip(&start)?,
        }
    }
}

fn read_fault<S: Source>(d: &mut XmlDecoder<S>, start: &Start) -> Result<Fault, DecodeError> {
    d.enter("Fault");
    let mut fault = Fault {
        code: String::new(),
        message: String::new(),
        actor: None,
        detail: None,
    };
    if !start.empty {
        loop {
            match d.next_child(str::to_string)? {
                Child::End => break,
                Child::Start(name, child) => match name.as_str() {
                    "faultcode" => {
                        let text = d.read_text(&child)?.unwrap_or("").trim().to_string();
                        // `soap:Server.Session.auth_failed` → `Server.Session.auth_failed`.
                        fault.code = match text.split_once(':') {
                            Some((_, rest)) => rest.to_string(),
                            None => text,
                        };
                    }
                    "faultstring" => fault.message = d.read_text(&child)?.unwrap_or("").to_string(),
                    "faultactor" => fault.actor = d.read_text(&child)?.map(str::to_string),
                    "detail" => {
                        let detail = d.decode_any(&child)?;
                        fault.detail = (!detail.is_null()).then_some(detail);
                    }
                    _ => d.skip(&child)?,
                },
            }
        }
    }
    if fault.code.is_empty() {
        return Err(d.error("a SOAP fault without a faultcode"));
    }
    finish(d)?;
    Ok(fault)
}

/// Reads the rest of the document, so that a body cut short is an error even when the value
/// was complete.
fn finish<S: Source>(d: &mut XmlDecoder<S>) -> Result<(), DecodeError> {
    d.finish()
}

/// Decodes the content of a wrapper element into `out`: either one accessor holding the
/// structure, or the structure's fields spread in the wrapper.
/// Decodes a structure from the element whose start tag was just read.
type DecodeInto<'a, S> = dyn FnMut(&mut XmlDecoder<S>, &Start) -> Result<bool, DecodeError> + 'a;

fn decode_wrapper<S: Source>(
    d: &mut XmlDecoder<S>,
    wrapper: Start,
    has_field: &dyn Fn(&str) -> bool,
    decode: &mut DecodeInto<'_, S>,
) -> Result<(), DecodeError> {
    if wrapper.empty {
        return Ok(());
    }
    match d.peek(has_field)? {
        Peek::End => Ok(()),
        Peek::Text => {
            let _ = d.read_text(&wrapper)?;
            Ok(())
        }
        Peek::Child { is_field: true } => decode(d, &wrapper).map(|_| ()),
        Peek::Child { is_field: false } => {
            let Child::Start((), accessor) = d.next_child(|_| ())? else {
                return Ok(());
            };
            // One accessor (of any name) holding the structure; anything after it is ignored.
            decode(d, &accessor)?;
            loop {
                match d.next_child(|_| ())? {
                    Child::End => return Ok(()),
                    Child::Start((), extra) => d.skip(&extra)?,
                }
            }
        }
    }
}

/// Decodes a response into a value of its generated type.
pub fn decode_response<T: StructType>(
    body: &[u8],
    limits: Limits,
) -> Result<ValueOrFault<T>, DecodeError> {
    let mut value = T::default();
    Ok(match decode_response_into(body, limits, &mut value)? {
        Some(fault) => ValueOrFault::Fault(fault),
        None => ValueOrFault::Value(value),
    })
}

/// Decodes a response into `value`, or returns the fault it holds.
pub fn decode_response_into(
    body: &[u8],
    limits: Limits,
    value: &mut dyn Structure,
) -> Result<Option<Fault>, DecodeError> {
    let mut d = XmlDecoder::from_slice(body, limits)?;
    match open_body(&mut d, None)? {
        BodyStart::Fault(fault) => Ok(Some(fault)),
        BodyStart::Element { name, start, .. } => {
            d.enter_owned(&name);
            let schema = value.schema();
            decode_wrapper(
                &mut d,
                start,
                &|n| schema.lookup(n).is_some(),
                &mut |d, s| d.decode_structure(value, s),
            )?;
            d.finish()?;
            Ok(None)
        }
    }
}

/// Decodes a response into an untyped value: the accessor's content if there is one
/// accessor, else the wrapper's content.
pub fn decode_response_any(
    body: &[u8],
    limits: Limits,
) -> Result<ValueOrFault<AnyValue>, DecodeError> {
    let mut d = XmlDecoder::from_slice(body, limits)?;
    match open_body(&mut d, None)? {
        BodyStart::Fault(fault) => Ok(ValueOrFault::Fault(fault)),
        BodyStart::Element { name, start, .. } => {
            d.enter_owned(&name);
            let value = d.decode_any(&start)?;
            d.finish()?;
            Ok(ValueOrFault::Value(unwrap_accessor(value)))
        }
    }
}

/// An object with a single object-valued entry is an rpc accessor around the result.
/// An empty accessor (`<s-gensym3/>`, how SOAP::Lite writes a method's `return {}`) or an
/// empty response element is an empty result.
fn unwrap_accessor(value: AnyValue) -> AnyValue {
    match value {
        AnyValue::Object(map) if map.len() == 1 => {
            let (key, inner) = map.into_iter().next().unwrap_or_default();
            match inner {
                AnyValue::Object(_) => inner,
                AnyValue::Null => AnyValue::Object(Extra::new()),
                inner => {
                    let mut map = Extra::new();
                    map.insert(key, inner);
                    AnyValue::Object(map)
                }
            }
        }
        AnyValue::Null => AnyValue::Object(Extra::new()),
        other => other,
    }
}

/// A request as a server sees it.
#[derive(Debug)]
pub struct IncomingRequest {
    /// The body element's name: the method.
    pub method: String,
    /// The body element's namespace (its path names the service).
    pub namespace: Option<String>,
    /// The header entries, by name (`auth_info`).
    pub header: Extra,
}

/// A decoded request: the envelope's facts and the value, or the error `select` gave.
pub type DecodedRequest<E> = Result<(IncomingRequest, Box<dyn Structure>), E>;

/// Reads a request's envelope up to the method, then decodes its content into the structure
/// `select` returns for the method (or fails with its error).
pub fn decode_request<E>(
    body: &[u8],
    limits: Limits,
    select: impl FnOnce(&IncomingRequest) -> Result<Box<dyn Structure>, E>,
) -> Result<DecodedRequest<E>, DecodeError> {
    let mut d = XmlDecoder::from_slice(body, limits)?;
    let mut header = Extra::new();
    let (method, namespace, start) = match open_body(&mut d, Some(&mut header))? {
        BodyStart::Fault(_) => return Err(d.error("a request cannot be a fault")),
        BodyStart::Element {
            name,
            namespace,
            start,
        } => (name, namespace, start),
    };
    let incoming = IncomingRequest {
        method,
        namespace,
        header,
    };
    let mut value = match select(&incoming) {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    d.enter_owned(&incoming.method);
    let schema = value.schema();
    decode_wrapper(
        &mut d,
        start,
        &|n| schema.lookup(n).is_some(),
        &mut |d, s| d.decode_structure(value.as_mut(), s),
    )?;
    d.finish()?;
    Ok(Ok((incoming, value)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(body: &str) -> AnyValue {
        match decode_response_any(body.as_bytes(), Limits::default()).unwrap() {
            ValueOrFault::Value(v) => v,
            ValueOrFault::Fault(f) => panic!("{f:?}"),
        }
    }

    #[test]
    fn an_empty_soaplite_result_is_an_empty_object() {
        // SOAP::Lite's answer to `return {}`.
        let empty = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><get_account_infoResponse xmlns="urn:a"><s-gensym12 /></get_account_infoResponse></soap:Body></soap:Envelope>"#;
        assert_eq!(raw(empty), json!({}));
        let bare = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><get_account_infoResponse xmlns="urn:a"/></soap:Body></soap:Envelope>"#;
        assert_eq!(raw(bare), json!({}));
        let one = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><r><s-gensym3><user_id>10</user_id></s-gensym3></r></soap:Body></soap:Envelope>"#;
        assert_eq!(raw(one), json!({"user_id": "10"}));
        let spread = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><r><total>3</total></r></soap:Body></soap:Envelope>"#;
        assert_eq!(raw(spread), json!({"total": "3"}));
    }
}
