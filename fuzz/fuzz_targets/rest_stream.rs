//! The JSON list stream decoder (`rest::stream`, crate-private): reached through its public
//! entry point, `client.account().stream_account_list`, against a server on 127.0.0.1 that
//! answers every request with the fuzz input as a 200 JSON body. Every item is read until the
//! stream ends or fails; it must never panic, hang or hold more than one item at a time.
#![no_main]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use portabilling::account::GetAccountListRequest;
use portabilling::{Client, Protocol};

static BODY: Mutex<Vec<u8>> = Mutex::new(Vec::new());

fn serve(stream: TcpStream) {
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    let mut writer = stream;
    loop {
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            if line == "\r\n" {
                break;
            }
        }
        let mut request = vec![0; length];
        if reader.read_exact(&mut request).is_err() {
            return;
        }
        let body = BODY.lock().map(|b| b.clone()).unwrap_or_default();
        let mut out = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        out.extend_from_slice(&body);
        if writer.write_all(&out).is_err() {
            return;
        }
    }
}

fn client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || serve(stream));
            }
        });
        Client::builder(url)
            .protocol(Protocol::Rest)
            .session_id("fuzz")
            .retries(0)
            .timeout(Duration::from_secs(5))
            .build()
            .expect("client")
    })
}

fuzz_target!(|data: &[u8]| {
    let client = client();
    if let Ok(mut body) = BODY.lock() {
        body.clear();
        body.extend_from_slice(data);
    }
    if let Ok(items) = client
        .account()
        .stream_account_list(&GetAccountListRequest::default())
    {
        // Each item is at least one byte of the body, so this ends; the bound makes sure.
        for item in items.take(data.len() + 2) {
            if item.is_err() {
                break;
            }
        }
    }
});
