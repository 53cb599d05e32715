//! A server that answers with canned bytes, for the broken and hostile answers the simulator
//! does not make.

use super::http_request::read_request;

use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What the canned server does with a request.
pub enum Action {
    /// Send these bytes (a whole HTTP response) and close.
    Send(Vec<u8>),
    /// Send these bytes, then stall for this long before closing.
    SendThenStall(Vec<u8>, Duration),
    /// Close without answering.
    Close,
    /// Hand the connection to this function (after the request was read), which writes what
    /// it likes: a body streamed in pieces, a stall, a cut. The connection closes after it.
    Raw(Box<dyn FnOnce(&mut TcpStream) + Send>),
}

/// A server on 127.0.0.1 that answers each request with what `respond` says.
pub struct Canned {
    pub url: String,
    pub requests: Arc<AtomicUsize>,
}

impl Canned {
    pub fn start(respond: impl Fn(usize, &[u8]) -> Action + Send + Sync + 'static) -> Canned {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&requests);
        let respond = Arc::new(respond);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let respond = Arc::clone(&respond);
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || serve(stream, &*respond, &counter));
            }
        });
        Canned { url, requests }
    }
}

fn serve(stream: TcpStream, respond: &dyn Fn(usize, &[u8]) -> Action, counter: &AtomicUsize) {
    let mut reader = BufReader::new(stream);
    while let Some((_, body)) = read_request(&mut reader) {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let mut stream = reader.get_ref().try_clone().unwrap();
        match respond(n, &body) {
            Action::Send(bytes) => {
                let _ = stream.write_all(&bytes);
                let keep_alive = !String::from_utf8_lossy(&bytes)
                    .to_ascii_lowercase()
                    .contains("connection: close");
                if !keep_alive {
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                    return;
                }
            }
            Action::SendThenStall(bytes, d) => {
                let _ = stream.write_all(&bytes);
                std::thread::sleep(d);
                return;
            }
            Action::Close => {
                let _ = stream.shutdown(std::net::Shutdown::Both);
                return;
            }
            Action::Raw(write) => {
                write(&mut stream);
                let _ = stream.shutdown(std::net::Shutdown::Both);
                return;
            }
        }
    }
}

/// A server on 127.0.0.1 that hands each new connection, unread, to `accept` (with the
/// connection's number), for what must happen before the request is read.
pub fn start_raw(accept: impl Fn(usize, TcpStream) + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accept = Arc::new(accept);
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(stream) = stream else { continue };
            let accept = Arc::clone(&accept);
            std::thread::spawn(move || accept(n, stream));
        }
    });
    url
}

/// An HTTP response with a body.
pub fn http(status: u16, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// A SOAP envelope around `body`.
pub fn soap(body: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>{body}</soap:Body></soap:Envelope>"#
    )
    .into_bytes()
}

/// A login response over SOAP.
pub fn soap_login() -> Vec<u8> {
    http(
        200,
        "text/xml",
        &soap("<loginResponse><LoginResponse><session_id xsi:type=\"xsd:string\">s3cr3t-session</session_id></LoginResponse></loginResponse>"),
    )
}
