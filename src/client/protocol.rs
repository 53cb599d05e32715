//! The choice of protocol: [`Protocol`] as a user names it, [`Wire`] as the call path drives
//! it (a closed enum over the two wire formats, so the choice is one `match`, not a trait
//! object), and reading captured answers without a client ([`RawReply`],
//! [`Protocol::decode_response`]).

use std::fmt;

use crate::auth::Secret;
use crate::error::{Error, Result};
use crate::model::{AnyValue, OperationInfo, Slot, Structure};
use crate::paging::ItemStream;
use crate::rest::binding::RestWire;
use crate::soap::binding::SoapWire;
use crate::wire::{
    CallAuth, CallLabel, HttpRequest, HttpResponse, Limits, Params, StreamingResponse, WireFormat,
};

/// The API protocol: PortaBilling serves the same methods over both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// XML over SOAP 1.1 (`/soap/<Service>/<method>`), rpc/encoded with the `auth_info` header.
    #[default]
    Soap,
    /// JSON over REST (`/rest/<Service>/<method>`).
    Rest,
}

impl std::str::FromStr for Protocol {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "soap" | "xml" => Ok(Protocol::Soap),
            "rest" | "json" => Ok(Protocol::Rest),
            other => Err(Error::Config(format!(
                "unknown protocol `{other}` (use soap or rest)"
            ))),
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Soap => "soap",
            Protocol::Rest => "rest",
        })
    }
}

/// One of the two wire formats, as the call path drives it.
#[derive(Clone, Copy)]
pub(super) enum Wire<'a> {
    Soap(&'a SoapWire),
    Rest(&'a RestWire),
}

impl Wire<'_> {
    fn format(&self) -> &dyn WireFormat {
        match self {
            Wire::Soap(soap) => *soap,
            Wire::Rest(rest) => *rest,
        }
    }

    /// The request for a call.
    pub fn request(
        &self,
        label: CallLabel<'_>,
        auth: CallAuth<'_>,
        params: Params<'_>,
    ) -> Result<HttpRequest> {
        self.format().request(label, auth, params)
    }

    /// A typed answer.
    pub fn read_typed(
        &self,
        label: CallLabel<'_>,
        response: &HttpResponse,
        out: &mut dyn Structure,
    ) -> Result<()> {
        self.format().read_typed(label, response, out)
    }

    /// An untyped answer.
    pub fn read_untyped(&self, label: CallLabel<'_>, response: &HttpResponse) -> Result<AnyValue> {
        self.format().read_untyped(label, response)
    }

    /// The items of a list answer (its status is 2xx), decoded as they arrive.
    pub fn stream<T: Slot>(
        &self,
        op: &'static OperationInfo,
        label: CallLabel<'_>,
        response: StreamingResponse,
    ) -> Result<ItemStream<T>> {
        match self {
            Wire::Soap(soap) => crate::soap::stream::items(op, label, response, soap.limits),
            Wire::Rest(rest) => crate::rest::stream::items(op, label, response, rest.limits),
        }
    }
}

/// An answer as the server sent it (see [`Client::call_raw`](super::Client::call_raw)).
#[derive(Clone, Debug)]
pub struct RawReply {
    /// The protocol it came over.
    pub protocol: Protocol,
    /// The service called.
    pub service: String,
    /// The method called.
    pub method: String,
    /// The HTTP status.
    pub status: u16,
    /// The content type.
    pub content_type: Option<String>,
    /// The body, unchanged.
    pub body: Vec<u8>,
    /// The client's secrets when the answer came, scrubbed from the errors of
    /// [`decode`](Self::decode) (a body that echoes the request holds them).
    pub(super) secrets: Vec<Secret>,
}

impl RawReply {
    /// Reads the answer as a value, or the fault or error it stands for. The error holds no
    /// password, token or session id of the client, even if the body does.
    pub fn decode(&self) -> Result<AnyValue> {
        self.protocol
            .decode_any(&self.service, &self.method, self.status, &self.body)
            .map_err(|mut e| {
                let secrets: Vec<String> = self
                    .secrets
                    .iter()
                    .map(|s| s.expose().to_string())
                    .collect();
                e.scrub(&secrets);
                e
            })
    }
}

impl Protocol {
    /// Decodes a captured response body of `op` through its response schema (into a
    /// [`DynamicStructure`](crate::model::DynamicStructure)). A fault becomes
    /// [`Error::Fault`]. This is what `portabilling decode` does, for debugging real traffic
    /// (and for timing the decoder on captured bytes).
    pub fn decode_response(self, op: &OperationInfo, body: &[u8]) -> Result<Box<dyn Structure>> {
        let mut out = op.new_response();
        let response = captured(200, body);
        let (soap, rest) = decoding_wires();
        self.wire(&soap, &rest)
            .read_typed(CallLabel::of(op), &response, out.as_mut())?;
        Ok(out)
    }

    /// Decodes a captured response body of a method the registry lacks into an untyped value.
    pub fn decode_untyped(self, service: &str, method: &str, body: &[u8]) -> Result<AnyValue> {
        self.decode_any(service, method, 200, body)
    }

    fn decode_any(self, service: &str, method: &str, status: u16, body: &[u8]) -> Result<AnyValue> {
        let label = CallLabel {
            service,
            method,
            read_only: true,
        };
        let (soap, rest) = decoding_wires();
        self.wire(&soap, &rest)
            .read_untyped(label, &captured(status, body))
    }

    fn wire<'a>(self, soap: &'a SoapWire, rest: &'a RestWire) -> Wire<'a> {
        match self {
            Protocol::Soap => Wire::Soap(soap),
            Protocol::Rest => Wire::Rest(rest),
        }
    }
}

/// Wire formats with default limits, for captured bodies.
fn decoding_wires() -> (SoapWire, RestWire) {
    (
        SoapWire::for_decoding(Limits::default()),
        RestWire::for_decoding(Limits::default()),
    )
}

fn captured(status: u16, body: &[u8]) -> HttpResponse {
    HttpResponse {
        status,
        content_type: None,
        content_disposition: None,
        body: body.to_vec(),
    }
}
