//! A small fault-injecting HTTP/1.1 proxy for faults a real registry will
//! not produce: it sits in front of the real registry (or stands alone) and,
//! request by request, forwards, answers with a chosen status, headers and
//! body, redirects, stalls or trickles. It logs every request it received
//! (method, path, Authorization) so tests assert what reached the server.
//! One request per connection; stopped on drop.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One request as the proxy saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
}

/// What to do with one request.
pub enum Fault {
    /// Relay to the upstream registry and back, unchanged.
    Forward,
    /// Relay, but set these response headers (e.g. a lying digest).
    ForwardWith(Vec<(String, String)>),
    /// Answer with this status, headers and body.
    Answer(u16, Vec<(String, String)>, Vec<u8>),
    /// Read the request and never answer.
    Stall,
    /// Send headers promising `n` bytes, then one byte a second.
    Trickle(usize),
}

type Rule = dyn Fn(&Seen, usize) -> Fault + Send + Sync;

pub struct FaultProxy {
    pub addr: String,
    log: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Listens on `ip` (a 127.x address), relaying `Forward`s to `upstream`
    /// (`http://host:port`). `rule` gets each request and its index.
    pub fn start(
        ip: &str,
        upstream: Option<String>,
        rule: impl Fn(&Seen, usize) -> Fault + Send + Sync + 'static,
    ) -> FaultProxy {
        let listener = TcpListener::bind((ip, 0)).expect("bind fault proxy");
        let addr = listener.local_addr().expect("addr").to_string();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let rule: Arc<Rule> = Arc::new(rule);
        let (log2, stop2) = (log.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (log, stop, rule, upstream) =
                    (log2.clone(), stop2.clone(), rule.clone(), upstream.clone());
                std::thread::spawn(move || serve(stream, &log, &stop, &*rule, upstream));
            }
        });
        FaultProxy {
            addr,
            log,
            stop,
            thread: Some(thread),
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.log.lock().expect("log").clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(
    stream: TcpStream,
    log: &Mutex<Vec<Seen>>,
    stop: &AtomicBool,
    rule: &Rule,
    upstream: Option<String>,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    // A TLS ClientHello (ddigest tries HTTPS first on loopback): answer in
    // plain HTTP, as a plain-HTTP registry does, and let it fall back. The
    // hello is read first: closing with it unread would reset the connection.
    let mut first = [0u8; 1];
    if matches!(stream.peek(&mut first), Ok(1) if first[0] == 0x16) {
        let mut out = stream;
        let _ = out.read(&mut [0u8; 4096]);
        let _ = out.write_all(b"HTTP/1.0 400 Bad Request\r\n\r\nplain HTTP here\n");
        return;
    }
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || line.trim().is_empty() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers: Vec<(String, String)> = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let seen = Seen {
        method,
        path,
        authorization: header("authorization"),
    };
    let index = {
        let mut log = log.lock().expect("log");
        log.push(seen.clone());
        log.len() - 1
    };
    let mut out = stream;
    let head = seen.method == "HEAD";
    match rule(&seen, index) {
        Fault::Forward => forward(&mut out, &seen, &headers, upstream, &[], head),
        Fault::ForwardWith(set) => forward(&mut out, &seen, &headers, upstream, &set, head),
        Fault::Answer(status, hs, body) => respond(&mut out, status, &hs, &body, head),
        Fault::Stall => {
            let until = Instant::now() + Duration::from_secs(30);
            while !stop.load(Ordering::SeqCst) && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Fault::Trickle(n) => {
            let _ = write!(out, "HTTP/1.1 200 OK\r\nContent-Length: {n}\r\n\r\n");
            for _ in 0..n {
                if stop.load(Ordering::SeqCst) || out.write_all(b" ").is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
}

fn forward(
    out: &mut TcpStream,
    seen: &Seen,
    headers: &[(String, String)],
    upstream: Option<String>,
    set: &[(String, String)],
    head: bool,
) {
    let upstream = upstream.expect("Forward needs an upstream");
    let http = reqwest::blocking::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let method = reqwest::Method::from_bytes(seen.method.as_bytes()).expect("method");
    let mut request = http.request(method, format!("{upstream}{}", seen.path));
    for (k, v) in headers {
        if matches!(k.as_str(), "accept" | "authorization") {
            request = request.header(k.as_str(), v.as_str());
        }
    }
    let response = request.send().expect("upstream answers");
    let status = response.status().as_u16();
    let mut hs: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(k, _)| {
            let k = k.as_str();
            // A HEAD keeps the upstream's length; a body gets its own.
            k != "connection" && k != "transfer-encoding" && (head || k != "content-length")
        })
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let mut body = Vec::new();
    let mut response = response;
    let _ = response.read_to_end(&mut body);
    for (k, v) in set {
        hs.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
        hs.push((k.clone(), v.clone()));
    }
    respond(out, status, &hs, &body, head);
}

fn respond(
    out: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    head: bool,
) {
    let mut text = format!("HTTP/1.1 {status} Status\r\nConnection: close\r\n");
    let has_length = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-length"));
    for (k, v) in headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    if !has_length {
        text.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    text.push_str("\r\n");
    let _ = out.write_all(text.as_bytes());
    if !head {
        let _ = out.write_all(body);
    }
    let _ = out.flush();
}
