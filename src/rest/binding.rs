//! The client's side of REST over HTTP: the three request encodings PortaBilling accepts,
//! JSON responses, faults, and files.
//!
//! Requests go to `/rest/<Service>/<method>`. The default encoding is a JSON body
//! `{"params": …}` with `Authorization: Bearer <access_token>` (MR100 and later); older
//! servers take `auth_info` and `params` as form fields, urlencoded or multipart. An empty
//! params value is sent as `{}`, never `[]`. A request with a file (an `xsd:base64Binary`
//! field) is sent as multipart, one part per file. Answers: 200 with JSON is the value; 500
//! with `{faultcode, faultstring}` is a fault; any other status, or a body that is not JSON, is
//! an HTTP or decode error that keeps the start of the body; a non-JSON answer with
//! `Content-Disposition: attachment` is a file.

use std::io::Read;

use crate::error::{Error, Result};
use crate::model::{AnyValue, Structure, TypeInfo};
use crate::urlencoded::percent_encode;
use crate::wire::{
    fault_error, http_error, read_all, CallAuth, CallLabel, Fault, HttpRequest, HttpResponse,
    Limits, Params, StreamingResponse, WireFormat,
};

use super::multipart::Multipart;

/// How REST requests are encoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RestEncoding {
    /// `application/json` `{"params": …}` with `Authorization: Bearer` (MR100+).
    #[default]
    Json,
    /// `application/x-www-form-urlencoded` with `auth_info` and `params` as JSON fields.
    Form,
    /// `multipart/form-data` with the same fields.
    Multipart,
}

impl std::str::FromStr for RestEncoding {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(RestEncoding::Json),
            "form" | "urlencoded" => Ok(RestEncoding::Form),
            "multipart" => Ok(RestEncoding::Multipart),
            other => Err(Error::Config(format!(
                "unknown REST encoding `{other}` (use json, form or multipart)"
            ))),
        }
    }
}

/// The REST settings of a client.
#[derive(Clone, Debug)]
pub(crate) struct RestWire {
    pub encoding: RestEncoding,
    pub limits: Limits,
}

/// A file sent by the server: an invoice PDF, a CSV report, a call recording.
pub struct Download {
    /// The file name from `Content-Disposition`, if any.
    pub file_name: Option<String>,
    /// The MIME type from `Content-Type`, if any.
    pub content_type: Option<String>,
    reader: Box<dyn Read + Send>,
}

impl Download {
    /// The body, read as it arrives.
    pub fn reader(&mut self) -> &mut (dyn Read + Send) {
        &mut self.reader
    }

    /// Writes the file to `path`, returning the number of bytes written.
    pub fn save_to(mut self, path: impl AsRef<std::path::Path>) -> std::io::Result<u64> {
        let mut file = std::fs::File::create(path)?;
        std::io::copy(&mut self.reader, &mut file)
    }

    /// Reads the whole file into memory.
    pub fn into_bytes(mut self) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        self.reader.read_to_end(&mut out)?;
        Ok(out)
    }
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

impl RestWire {
    /// Settings for reading captured bodies, where the request encoding does not matter.
    pub fn for_decoding(limits: Limits) -> Self {
        RestWire {
            encoding: RestEncoding::Json,
            limits,
        }
    }

    /// Builds the request from the parameters in JSON form, pulling out the file fields of
    /// `schema` (if given) into multipart parts.
    fn build(
        &self,
        label: CallLabel<'_>,
        auth: CallAuth<'_>,
        mut params: AnyValue,
        schema: Option<&crate::model::StructSchema>,
    ) -> Result<HttpRequest> {
        if !params.is_object() {
            if params.is_null() || params.as_array().is_some_and(|a| a.is_empty()) {
                params = AnyValue::Object(Default::default());
            } else {
                return Err(Error::input(
                    format!("{}/{}", label.service, label.method),
                    "the parameters must be a JSON object",
                ));
            }
        }
        let files = take_files(&mut params, schema);
        let path = format!("/rest/{}/{}", label.service, label.method);
        let (bearer, auth_info) = match auth {
            CallAuth::None => (None, None),
            CallAuth::Session(s) => match (self.encoding, &s.access_token, &s.session_id) {
                (RestEncoding::Json, Some(token), _) => (Some(token.expose()), None),
                (_, _, Some(id)) => (None, Some(serde_json::json!({ "session_id": id.expose() }))),
                (_, Some(token), None) => (Some(token.expose()), None),
                (_, None, None) => (None, None),
            },
        };
        let mut headers: Vec<(&'static str, String)> = vec![("Accept", "application/json".into())];
        if let Some(token) = bearer {
            headers.push(("Authorization", format!("Bearer {token}")));
        }
        let encoding = if files.is_empty() {
            self.encoding
        } else {
            RestEncoding::Multipart
        };
        let body = match encoding {
            RestEncoding::Json => {
                let mut body = serde_json::Map::new();
                if let Some(info) = auth_info {
                    body.insert("auth_info".into(), info);
                }
                body.insert("params".into(), params);
                headers.push(("Content-Type", "application/json; charset=UTF-8".into()));
                serde_json::to_vec(&body)
                    .map_err(|e| Error::encode(label.service, label.method, e.to_string()))?
            }
            RestEncoding::Form => {
                headers.push(("Content-Type", "application/x-www-form-urlencoded".into()));
                let mut body = String::new();
                if let Some(info) = auth_info {
                    body.push_str("auth_info=");
                    body.push_str(&percent_encode(&info.to_string()));
                    body.push('&');
                }
                body.push_str("params=");
                body.push_str(&percent_encode(&params.to_string()));
                body.into_bytes()
            }
            RestEncoding::Multipart => {
                let mut form = Multipart::new();
                if let Some(info) = auth_info {
                    form.text("auth_info", &info.to_string());
                }
                form.text("params", &params.to_string());
                for file in &files {
                    form.file(
                        &file.field,
                        &file.name,
                        "application/octet-stream",
                        &file.bytes,
                    );
                }
                headers.push(("Content-Type", form.content_type()));
                form.finish()
            }
        };
        Ok(HttpRequest {
            path,
            headers,
            body,
        })
    }

    /// The JSON body of a successful answer, or the error the answer stands for.
    fn json_body<'r>(&self, label: CallLabel<'_>, response: &'r HttpResponse) -> Result<&'r [u8]> {
        let body = trim_bom(&response.body);
        let looks_json = matches!(first_byte(body), Some(b'{') | Some(b'['));
        match response.status {
            200..=299 if body.iter().all(u8::is_ascii_whitespace) => Ok(b"{}"),
            200..=299 if looks_json => {
                if let Some(fault) = fault_in(body) {
                    return Err(fault_error(label, fault, response.status));
                }
                Ok(body)
            }
            200..=299 if is_attachment(response.content_disposition.as_deref()) => {
                Err(Error::decode(
                    label.service,
                    label.method,
                    format!(
                        "the server sent a file ({}); fetch it with Client::download",
                        response.content_type.as_deref().unwrap_or("unknown type")
                    ),
                    None,
                    b"",
                ))
            }
            200..=299 => Err(Error::decode(
                label.service,
                label.method,
                "the answer is not JSON",
                None,
                body,
            )),
            _ => match fault_in(body) {
                Some(fault) => Err(fault_error(label, fault, response.status)),
                None => Err(http_error(label, response)),
            },
        }
    }

    /// Reads a file answer.
    pub(crate) fn download(
        &self,
        label: CallLabel<'_>,
        response: StreamingResponse,
    ) -> Result<Download> {
        let json = response
            .content_type
            .as_deref()
            .is_some_and(|c| c.to_ascii_lowercase().contains("json"));
        let attachment = is_attachment(response.content_disposition.as_deref());
        if (200..300).contains(&response.status) && (attachment || !json) {
            return Ok(Download {
                file_name: response.content_disposition.as_deref().and_then(file_name),
                content_type: response.content_type,
                reader: response.body,
            });
        }
        let mut reader = response.body;
        let body = read_all(
            label,
            &mut reader,
            response.content_length,
            self.limits.max_bytes,
        )?;
        let full = HttpResponse {
            status: response.status,
            content_type: response.content_type,
            content_disposition: response.content_disposition,
            body,
        };
        self.json_body(label, &full)?;
        Err(Error::decode(
            label.service,
            label.method,
            "expected a file, but the server answered with JSON",
            None,
            &full.body,
        ))
    }
}

fn trim_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
}

fn first_byte(body: &[u8]) -> Option<u8> {
    body.iter().copied().find(|b| !b.is_ascii_whitespace())
}

fn is_attachment(disposition: Option<&str>) -> bool {
    disposition.is_some_and(|d| {
        d.trim_start()
            .to_ascii_lowercase()
            .starts_with("attachment")
    })
}

/// The file name of a `Content-Disposition` header (`filename="a.pdf"` or `filename*=UTF-8''…`).
fn file_name(disposition: &str) -> Option<String> {
    let mut plain = None;
    for part in disposition.split(';').map(str::trim) {
        if let Some(v) = part.strip_prefix("filename*=") {
            let encoded = v.split_once("''").map_or(v, |(_, rest)| rest);
            return Some(crate::urlencoded::percent_decode(
                &encoded.replace('+', "%2B"),
            ));
        }
        if let Some(v) = part.strip_prefix("filename=") {
            plain = Some(v.trim_matches('"').to_string());
        }
    }
    // A server-chosen name must not climb out of the directory it is saved in.
    plain
        .map(|name| name.rsplit(['/', '\\']).next().unwrap_or("").to_string())
        .filter(|n| !n.is_empty())
}

/// A fault in a JSON body: `{"faultcode": …, "faultstring": …}` at the top level.
fn fault_in(body: &[u8]) -> Option<Fault> {
    #[derive(serde::Deserialize)]
    struct FaultBody {
        faultcode: String,
        #[serde(default)]
        faultstring: Option<AnyValue>,
        #[serde(default)]
        detail: Option<AnyValue>,
    }
    // Cheap check first: most answers are not faults.
    let head = &body[..body.len().min(4096)];
    if !head.windows(9).any(|w| w == b"faultcode") {
        return None;
    }
    let parsed: FaultBody = serde_json::from_slice(body).ok()?;
    let message = match parsed.faultstring {
        Some(AnyValue::String(s)) => s,
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let code = match parsed.faultcode.split_once(':') {
        Some((_, rest)) if !rest.contains(':') => rest.to_string(),
        _ => parsed.faultcode,
    };
    Some(Fault {
        code,
        message,
        actor: None,
        detail: parsed.detail,
    })
}

fn json_error(label: CallLabel<'_>, e: serde_json::Error, body: &[u8]) -> Error {
    let (line, column) = (e.line() as u64, e.column() as u64);
    let message = e.to_string();
    let message = match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    };
    let path = message
        .strip_prefix('`')
        .and_then(|m| m.split_once('`'))
        .map(|(p, _)| p.to_string());
    Error::decode(
        label.service,
        label.method,
        message,
        Some((path.as_deref().unwrap_or("$"), line, column)),
        body,
    )
}

/// A file to upload.
struct FilePart {
    field: String,
    name: String,
    bytes: Vec<u8>,
}

/// Moves the file fields (`xsd:base64Binary`) of the parameters into file parts. The file
/// name comes from a `file_name` parameter when there is one.
fn take_files(params: &mut AnyValue, schema: Option<&crate::model::StructSchema>) -> Vec<FilePart> {
    let (Some(schema), AnyValue::Object(map)) = (schema, params) else {
        return Vec::new();
    };
    let file_name = map
        .get("file_name")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let mut files = Vec::new();
    for field in schema
        .fields
        .iter()
        .filter(|f| matches!(f.ty, TypeInfo::Base64Binary))
    {
        let Some(AnyValue::String(encoded)) = map.get(field.name) else {
            continue;
        };
        let Some(bytes) = crate::model::base64::decode(encoded) else {
            continue;
        };
        map.remove(field.name);
        files.push(FilePart {
            field: field.name.to_string(),
            name: file_name.clone().unwrap_or_else(|| field.name.to_string()),
            bytes,
        });
    }
    files
}

impl WireFormat for RestWire {
    fn request(
        &self,
        label: CallLabel<'_>,
        auth: CallAuth<'_>,
        params: Params<'_>,
    ) -> Result<HttpRequest> {
        match params {
            Params::Typed(_, value) => {
                self.build(label, auth, value.to_json(), Some(value.schema()))
            }
            Params::Untyped(value) => self.build(label, auth, value.clone(), None),
        }
    }

    fn read_typed(
        &self,
        label: CallLabel<'_>,
        response: &HttpResponse,
        out: &mut dyn Structure,
    ) -> Result<()> {
        let body = self.json_body(label, response)?;
        crate::model::json::decode_slice(out, body).map_err(|e| json_error(label, e, body))
    }

    fn read_untyped(&self, label: CallLabel<'_>, response: &HttpResponse) -> Result<AnyValue> {
        let body = self.json_body(label, response)?;
        serde_json::from_slice(body).map_err(|e| json_error(label, e, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_file_names_safely() {
        assert_eq!(
            file_name("attachment; filename=\"inv 1.pdf\"").as_deref(),
            Some("inv 1.pdf")
        );
        assert_eq!(
            file_name("attachment; filename=\"../../etc/passwd\"").as_deref(),
            Some("passwd")
        );
        assert_eq!(
            file_name("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf").as_deref(),
            Some("résumé.pdf")
        );
        assert_eq!(file_name("attachment"), None);
    }

    #[test]
    fn finds_faults_in_json() {
        let f =
            fault_in(br#"{"faultcode":"Server.Session.auth_failed","faultstring":"bad"}"#).unwrap();
        assert_eq!(f.code, "Server.Session.auth_failed");
        assert!(fault_in(br#"{"account_info":{}}"#).is_none());
    }
}
