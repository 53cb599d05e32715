//! The client's side of SOAP over HTTP: where requests go, their headers and the `auth_info`
//! header going out; answers, faults and HTTP errors coming back. The envelopes themselves are
//! [`envelope`]'s.

use crate::error::{Error, Result};
use crate::model::{AnyValue, Structure};
use crate::wire::{
    fault_error, http_error, CallAuth, CallLabel, HttpRequest, HttpResponse, Limits, Params,
    WireFormat,
};

use super::envelope::{self, BodyTarget, HeaderEntry, ValueOrFault, PORTAONE_NS};

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
    /// Settings for reading captured bodies, where endpoints and namespaces do not matter.
    pub fn for_decoding(limits: Limits) -> Self {
        SoapWire {
            endpoint: SoapEndpoint::default(),
            namespace_base: String::new(),
            limits,
        }
    }

    fn namespace(&self, service: &str) -> String {
        [&self.namespace_base, "/Porta/SOAP/", service].concat()
    }

    /// The `auth_info` header entries for a session.
    fn header_entries<'a>(auth: CallAuth<'a>) -> Option<Vec<(&'static str, &'a str)>> {
        match auth {
            CallAuth::None => None,
            CallAuth::Session(s) => match (&s.session_id, &s.access_token) {
                (Some(id), _) => Some(vec![("session_id", id.expose())]),
                (None, Some(token)) => Some(vec![("access_token", token.expose())]),
                (None, None) => None,
            },
        }
    }

    /// Turns a response into a value, a fault, or an HTTP or decode error.
    fn read<T>(
        &self,
        label: CallLabel<'_>,
        response: &HttpResponse,
        decode: impl FnOnce(&[u8]) -> std::result::Result<ValueOrFault<T>, super::DecodeError>,
    ) -> Result<T> {
        let ok = (200..300).contains(&response.status);
        match decode(&response.body) {
            Ok(ValueOrFault::Fault(fault)) => Err(fault_error(label, fault, response.status)),
            Ok(ValueOrFault::Value(v)) if ok => Ok(v),
            Ok(ValueOrFault::Value(_)) => Err(http_error(label, response)),
            Err(_) if !ok => Err(http_error(label, response)),
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

impl WireFormat for SoapWire {
    fn request(
        &self,
        label: CallLabel<'_>,
        auth: CallAuth<'_>,
        params: Params<'_>,
    ) -> Result<HttpRequest> {
        let namespace = self.namespace(label.service);
        let target = match params {
            Params::Typed(op, _) => BodyTarget::request(op, &namespace),
            Params::Untyped(_) => BodyTarget {
                namespace: &namespace,
                element: label.method,
                accessor: Some("params"),
                encoded: true,
                empty_lists: false,
            },
        };
        let entries = Self::header_entries(auth);
        let header = entries.as_deref().map(|values| HeaderEntry {
            element: "auth_info",
            namespace: PORTAONE_NS,
            values,
        });
        let body = match params {
            Params::Typed(_, value) => envelope::encode(header, &target, value),
            Params::Untyped(value) => envelope::encode_any(header, &target, value),
        }
        .map_err(|e| Error::encode(label.service, label.method, e.to_string()))?;
        let path = match self.endpoint {
            // `concat`, not `format!`: these are built on every call.
            SoapEndpoint::PerMethod => ["/soap/", label.service, "/", label.method].concat(),
            SoapEndpoint::Legacy => ["/Porta/SOAP/", label.service].concat(),
        };
        Ok(HttpRequest {
            path,
            headers: vec![
                ("Content-Type", "text/xml; charset=utf-8".to_string()),
                (
                    "SOAPAction",
                    ["\"", &namespace, "#", label.method, "\""].concat(),
                ),
            ],
            body,
        })
    }

    fn read_typed(
        &self,
        label: CallLabel<'_>,
        response: &HttpResponse,
        out: &mut dyn Structure,
    ) -> Result<()> {
        self.read(label, response, |body| {
            envelope::decode_response_into(body, self.limits, out).map(|fault| match fault {
                Some(f) => ValueOrFault::Fault(f),
                None => ValueOrFault::Value(()),
            })
        })
    }

    fn read_untyped(&self, label: CallLabel<'_>, response: &HttpResponse) -> Result<AnyValue> {
        self.read(label, response, |body| {
            envelope::decode_response_any(body, self.limits)
        })
    }
}
