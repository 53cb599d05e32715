//! SOAP as a wire format of the client: URLs, headers and the `auth_info` header going out;
//! responses, faults and HTTP errors coming back.

use crate::client::{Auth, WireFormat};
use crate::error::{ApiFault, Error, Result};
use crate::model::{AnyValue, DynStructure, OperationInfo, PagedOperation, Structure};
use crate::paging::ItemStream;
use crate::transport::{http_error, CallLabel, HttpRequest, HttpResponse, StreamingResponse};

use super::decode::Limits;
use super::envelope::{self, BodyTarget, Fault, HeaderEntry, Outcome, PORTAONE_NS};

/// Where SOAP requests go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SoapEndpoint {
    /// `https://HOST:PORT/soap/<Service>/<method>`, as current PortaBilling documents.
    #[default]
    PerMethod,
    /// `https://HOST:PORT/Porta/SOAP/<Service>`, as older servers take it.
    Legacy,
}

/// The SOAP settings of a client.
#[derive(Clone, Debug)]
pub(crate) struct SoapWire {
    pub endpoint: SoapEndpoint,
    /// The body namespace is this, then `/Porta/SOAP/<Service>`.
    pub namespace_base: String,
    pub limits: Limits,
}

impl SoapWire {
    fn namespace(&self, service: &str) -> String {
        format!("{}/Porta/SOAP/{service}", self.namespace_base)
    }

    fn http_request(
        &self,
        service: &str,
        method: &str,
        namespace: &str,
        body: Vec<u8>,
    ) -> HttpRequest {
        let path = match self.endpoint {
            SoapEndpoint::PerMethod => format!("/soap/{service}/{method}"),
            SoapEndpoint::Legacy => format!("/Porta/SOAP/{service}"),
        };
        HttpRequest {
            path,
            headers: vec![
                ("Content-Type", "text/xml; charset=utf-8".to_string()),
                ("SOAPAction", format!("\"{namespace}#{method}\"")),
            ],
            body,
        }
    }

    /// The `auth_info` header entries for a session.
    fn header_entries<'a>(auth: &'a Auth<'a>) -> Option<Vec<(&'static str, &'a str)>> {
        match auth {
            Auth::None => None,
            Auth::Session(s) => match (&s.session_id, &s.access_token) {
                (Some(id), _) => Some(vec![("session_id", id.expose())]),
                (None, Some(token)) => Some(vec![("access_token", token.expose())]),
                (None, None) => None,
            },
        }
    }

    /// The HTTP request of a call whose body `encode` writes, given the `auth_info` header.
    fn envelope(
        &self,
        label: CallLabel<'_>,
        auth: &Auth<'_>,
        target: &BodyTarget<'_>,
        encode: impl FnOnce(Option<HeaderEntry<'_>>) -> Result<Vec<u8>, super::encode::EncodeError>,
    ) -> Result<HttpRequest> {
        let entries = Self::header_entries(auth);
        let header = entries.as_deref().map(|values| HeaderEntry {
            element: "auth_info",
            namespace: PORTAONE_NS,
            values,
        });
        let body = encode(header)
            .map_err(|e| Error::Config(format!("{}/{}: {e}", label.service, label.method)))?;
        Ok(self.http_request(label.service, label.method, target.namespace, body))
    }

    /// Turns a response into a value, a fault, or an HTTP or decode error.
    fn read<T>(
        &self,
        label: CallLabel<'_>,
        response: &HttpResponse,
        decode: impl FnOnce(&[u8]) -> std::result::Result<Outcome<T>, super::DecodeError>,
    ) -> Result<T> {
        match decode(&response.body) {
            Ok(Outcome::Fault(fault)) => Err(fault_error(label, fault, response.status)),
            Ok(Outcome::Value(v)) if (200..300).contains(&response.status) => Ok(v),
            Ok(Outcome::Value(_)) => Err(http_error(label, response)),
            Err(_) if !(200..300).contains(&response.status) => Err(http_error(label, response)),
            Err(e) => Err(Error::decode(
                label.service,
                label.method,
                e.message.clone(),
                Some((&e.path, e.line, e.column)),
                &response.body,
            )),
        }
    }
}

/// The error for a fault.
pub(crate) fn fault_error(label: CallLabel<'_>, fault: Fault, status: u16) -> Error {
    Error::from(ApiFault {
        service: label.service.to_string(),
        method: label.method.to_string(),
        code: fault.code,
        message: fault.message,
        detail: fault.detail,
        http_status: Some(status),
    })
}

impl WireFormat for SoapWire {
    fn request<T: Structure>(
        &self,
        op: &OperationInfo,
        auth: &Auth<'_>,
        request: &T,
    ) -> Result<HttpRequest> {
        let namespace = self.namespace(op.service);
        let target = BodyTarget::request(op, &namespace);
        self.envelope(CallLabel::of(op), auth, &target, |header| {
            envelope::encode(header, &target, request)
        })
    }

    fn request_dyn(
        &self,
        op: &OperationInfo,
        auth: &Auth<'_>,
        request: &dyn DynStructure,
    ) -> Result<HttpRequest> {
        let namespace = self.namespace(op.service);
        let target = BodyTarget::request(op, &namespace);
        self.envelope(CallLabel::of(op), auth, &target, |header| {
            envelope::encode_dyn(header, &target, request)
        })
    }

    fn request_any(
        &self,
        label: CallLabel<'_>,
        auth: &Auth<'_>,
        params: &AnyValue,
    ) -> Result<HttpRequest> {
        let namespace = self.namespace(label.service);
        let target = BodyTarget {
            namespace: &namespace,
            element: label.method,
            accessor: Some("params"),
            encoded: true,
            empty_lists: false,
        };
        self.envelope(label, auth, &target, |header| {
            envelope::encode_any(header, &target, params)
        })
    }

    fn response<T: Structure>(&self, label: CallLabel<'_>, response: HttpResponse) -> Result<T> {
        self.read(label, &response, |body| {
            envelope::decode_response::<T>(body, self.limits)
        })
    }

    fn response_dyn(
        &self,
        label: CallLabel<'_>,
        response: HttpResponse,
        out: &mut dyn DynStructure,
    ) -> Result<()> {
        self.read(label, &response, |body| {
            envelope::decode_response_dyn(body, self.limits, out).map(|fault| match fault {
                Some(f) => Outcome::Fault(f),
                None => Outcome::Value(()),
            })
        })
    }

    fn response_any(&self, label: CallLabel<'_>, response: HttpResponse) -> Result<AnyValue> {
        self.read(label, &response, |body| {
            envelope::decode_response_any(body, self.limits)
        })
    }

    fn stream<O: PagedOperation>(
        &self,
        label: CallLabel<'_>,
        response: StreamingResponse,
    ) -> Result<ItemStream<O::Item>> {
        super::stream::items::<O>(label, response, self.limits)
    }
}
