//! A token server for distribution's token auth, run by the tests on
//! 127.0.0.1: it checks Basic credentials or an OAuth2 refresh token, grants
//! repository actions by a small policy, and issues RS256 JWTs whose header
//! carries the signing certificate in `x5c` (the registry's rootcertbundle).
//! Every request is logged so tests can count them and see what was sent.

use super::certs::pki;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const SERVICE: &str = "ddigest-test-registry";
pub const ISSUER: &str = "ddigest-test-issuer";
/// Refresh token that identity-token tests put in config.json.
pub const REFRESH_TOKEN: &str = "refresh-token-for-alice";

/// One request the token server received.
#[derive(Clone, Debug)]
pub struct Logged {
    pub method: String,
    pub target: String,
    pub authorization: Option<String>,
    pub body: String,
}

pub struct TokenServer {
    pub port: u16,
    pub log: Arc<Mutex<Vec<Logged>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Who may do what: alice and bob may pull anything, alice may push too;
/// anonymous users may pull repositories under `public/`.
fn granted(user: Option<&str>, repo: &str, wanted: &[&str]) -> Vec<String> {
    let allowed: &[&str] = match user {
        Some("alice") => &["pull", "push"],
        Some("bob") => &["pull"],
        _ if repo.starts_with("public/") => &["pull"],
        _ => &[],
    };
    wanted
        .iter()
        .filter(|a| allowed.contains(a))
        .map(|a| a.to_string())
        .collect()
}

fn users() -> HashMap<&'static str, &'static str> {
    HashMap::from([("alice", "correct horse"), ("bob", "battery staple")])
}

impl TokenServer {
    pub fn start() -> TokenServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind token server");
        let port = listener.local_addr().expect("addr").port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log2, stop2) = (log.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let log = log2.clone();
                    std::thread::spawn(move || serve(stream, &log));
                }
            }
        });
        TokenServer {
            port,
            log,
            stop,
            thread: Some(thread),
        }
    }

    pub fn realm(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.port)
    }

    pub fn requests(&self) -> Vec<Logged> {
        self.log.lock().expect("log").clone()
    }

    /// A token for `user` with `actions` on `repo`, as a pusher needs.
    pub fn token_for(user: &str, repo: &str, actions: &[&str]) -> String {
        let access = vec![(
            repo.to_string(),
            actions.iter().map(|a| a.to_string()).collect(),
        )];
        sign_jwt(Some(user), &access)
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(stream: TcpStream, log: &Mutex<Vec<Logged>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || line.is_empty() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    let _ = reader.read_exact(&mut body);
    let entry = Logged {
        method,
        target,
        authorization: headers.get("authorization").cloned(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    log.lock().expect("log").push(entry.clone());
    let (status, reply) = answer(&entry);
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
        reply.len()
    );
}

fn answer(req: &Logged) -> (&'static str, String) {
    let (path, query) = req.target.split_once('?').unwrap_or((&req.target, ""));
    if path != "/token" {
        return ("404 Not Found", "{}".into());
    }
    let form = if req.method == "POST" {
        req.body.as_str()
    } else {
        query
    };
    let pairs: Vec<(String, String)> = url_pairs(form);
    let user = match identify(req, &pairs) {
        Ok(user) => user,
        Err(()) => {
            return (
                "401 Unauthorized",
                // Docker Hub's token service answers a wrong password so.
                r#"{"details":"incorrect username or password"}"#.into(),
            );
        }
    };
    let mut access = Vec::new();
    for (k, v) in &pairs {
        if k != "scope" {
            continue;
        }
        for scope in v.split(' ') {
            let mut it = scope.splitn(3, ':');
            let (Some("repository"), Some(repo), Some(actions)) = (it.next(), it.next(), it.next())
            else {
                continue;
            };
            let wanted: Vec<&str> = actions.split(',').collect();
            access.push((repo.to_string(), granted(user.as_deref(), repo, &wanted)));
        }
    }
    let token = sign_jwt(user.as_deref(), &access);
    (
        "200 OK",
        format!(r#"{{"token":"{token}","access_token":"{token}","expires_in":300}}"#),
    )
}

/// `Ok(None)` anonymous, `Ok(Some(user))` authenticated, `Err` bad credentials.
fn identify(req: &Logged, pairs: &[(String, String)]) -> Result<Option<String>, ()> {
    if req.method == "POST" {
        let refresh = pairs
            .iter()
            .find(|(k, _)| k == "refresh_token")
            .map(|(_, v)| v.as_str());
        return if refresh == Some(REFRESH_TOKEN) {
            Ok(Some("alice".into()))
        } else {
            Err(())
        };
    }
    let Some(auth) = &req.authorization else {
        return Ok(None);
    };
    let encoded = auth.strip_prefix("Basic ").ok_or(())?;
    let decoded = String::from_utf8(STANDARD.decode(encoded).map_err(|_| ())?).map_err(|_| ())?;
    let (user, pass) = decoded.split_once(':').ok_or(())?;
    match users().get(user) {
        Some(p) if *p == pass => Ok(Some(user.to_string())),
        _ => Err(()),
    }
}

fn url_pairs(s: &str) -> Vec<(String, String)> {
    let url = reqwest::Url::parse(&format!("http://x/?{s}")).expect("query parses");
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn sign_jwt(user: Option<&str>, access: &[(String, Vec<String>)]) -> String {
    let p = pki();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "x5c": [STANDARD.encode(&p.signing_cert_der)]});
    let access: Vec<_> = access
        .iter()
        .map(|(name, actions)| serde_json::json!({"type": "repository", "name": name, "actions": actions}))
        .collect();
    let claims = serde_json::json!({
        "iss": ISSUER, "sub": user.unwrap_or(""), "aud": SERVICE,
        "exp": now + 300, "nbf": now - 10, "iat": now, "jti": format!("{now}-{}", rand_u64()),
        "access": access,
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let key = ring::signature::RsaKeyPair::from_pkcs8(&p.signing_key_der).expect("RSA key");
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        signing_input.as_bytes(),
        &mut sig,
    )
    .expect("sign");
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

fn rand_u64() -> u64 {
    let mut b = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).expect("random");
    u64::from_le_bytes(b)
}

/// A token server and a TLS registry that trusts its tokens.
pub fn token_registry() -> (TokenServer, super::registry::Registry) {
    let server = TokenServer::start();
    let auth = super::registry::Auth::Token {
        realm: server.realm(),
        service: SERVICE.into(),
        issuer: ISSUER.into(),
    };
    let registry = super::registry::Registry::start(auth, true);
    (server, registry)
}
