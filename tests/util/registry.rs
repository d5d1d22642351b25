//! The real CNCF distribution registry (`docker-registry serve CONFIG`),
//! started per test on a free 127.0.0.1 port with a config written to a
//! temp dir, and killed when the handle drops, also when a test fails.

use super::certs::pki;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = "docker-registry";

/// bcrypt entries made with `htpasswd -Bbn`: alice / "correct horse",
/// bob / "battery staple".
pub const HTPASSWD: &str = "alice:$2y$05$KOZml3/My5nXsxnhjTUCn.uh.t1fZW1bU/NmbvNbjp789jo9cLsQO\n\
bob:$2y$05$w1D3GxHjanleuIDVFT2Om.kMP7cxfB1yWJ.7c3jPDQkArZVLaru6i\n";

#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Htpasswd,
    /// Token auth against a realm URL, with service and issuer names.
    Token {
        realm: String,
        service: String,
        issuer: String,
    },
}

pub struct Registry {
    child: Child,
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub tls: bool,
}

pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

impl Registry {
    pub fn start(auth: Auth, tls: bool) -> Registry {
        Registry::start_with(auth, tls, "")
    }

    /// A TLS registry that also requires a client certificate signed by
    /// the test CA (`http.tls.clientcas`).
    pub fn start_mutual_tls() -> Registry {
        Registry::launch(Auth::None, Tls::Mutual, "")
    }

    /// Starts with `extra` appended to the config (top-level YAML sections).
    pub fn start_with(auth: Auth, tls: bool, extra: &str) -> Registry {
        Registry::launch(auth, if tls { Tls::Server } else { Tls::None }, extra)
    }

    fn launch(auth: Auth, tls: Tls, extra: &str) -> Registry {
        let dir = super::temp_dir("registry");
        let port = free_port();
        let config = dir.path().join("config.yml");
        std::fs::write(dir.path().join("htpasswd"), HTPASSWD).expect("write htpasswd");
        let yaml = config_yaml(dir.path(), port, &auth, tls) + extra;
        let tls = tls != Tls::None;
        std::fs::write(&config, yaml).expect("write config");
        let log = std::fs::File::create(dir.path().join("registry.log")).expect("log file");
        let child = Command::new(BINARY)
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log fd"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start `{BINARY}` ({e}): install it with `apt-get install docker-registry` (scripts/test does)")
            });
        let registry = Registry {
            child,
            dir,
            port,
            tls,
        };
        registry.wait_ready();
        registry
    }

    /// `127.0.0.1:PORT`, the domain references use.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.host())
    }

    /// Where the registry keeps a blob on disk (for storage-corruption tests).
    pub fn blob_path(&self, hex: &str) -> PathBuf {
        self.dir
            .path()
            .join("data/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    /// The requests ddigest made, read from the registry's access log as
    /// `(method, path, status)`. Waits briefly for at least `at_least` lines,
    /// since the log line is written just after the response.
    pub fn ddigest_requests(&self, at_least: usize) -> Vec<(String, String, u16)> {
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            let found: Vec<_> = self.log().lines().filter_map(access_line).collect();
            if found.len() >= at_least || Instant::now() > deadline {
                return found;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                // Any bytes back (TLS alert or HTTP) mean the server is serving.
                let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                let _ = stream.write_all(b"GET /v2/ HTTP/1.0\r\n\r\n");
                let mut buf = [0u8; 1];
                if matches!(stream.read(&mut buf), Ok(n) if n > 0) {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "registry on port {} did not start; its log:\n{}",
            self.port,
            self.log()
        );
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tls {
    None,
    Server,
    Mutual,
}

fn config_yaml(dir: &Path, port: u16, auth: &Auth, tls: Tls) -> String {
    let mut y = format!(
        "version: 0.1\nlog:\n  level: info\n  formatter: text\n\
         storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
         http:\n  addr: 127.0.0.1:{port}\n  secret: ddigest-test-secret\n",
        dir.join("data").display()
    );
    if tls != Tls::None {
        let p = pki();
        y += &format!(
            "  tls:\n    certificate: {}\n    key: {}\n",
            p.server_cert.display(),
            p.server_key.display()
        );
    }
    if tls == Tls::Mutual {
        y += &format!("    clientcas:\n      - {}\n", pki().ca_pem.display());
    }
    match auth {
        Auth::None => {}
        Auth::Htpasswd => {
            y += &format!(
                "auth:\n  htpasswd:\n    realm: ddigest-test\n    path: {}\n",
                dir.join("htpasswd").display()
            );
        }
        Auth::Token {
            realm,
            service,
            issuer,
        } => {
            y += &format!(
                "auth:\n  token:\n    realm: {realm}\n    service: {service}\n    issuer: {issuer}\n    rootcertbundle: {}\n",
                pki().signing_cert_pem.display()
            );
        }
    }
    y
}

/// Parses `… "HEAD /v2/x/manifests/y HTTP/1.1" 200 … "ddigest/0.1.0"`.
fn access_line(line: &str) -> Option<(String, String, u16)> {
    if !line.contains("\"ddigest/") {
        return None;
    }
    let mut quoted = line.split('"');
    let request = quoted.nth(1)?;
    let status = quoted.next()?.split_whitespace().next()?.parse().ok()?;
    let mut parts = request.split(' ');
    Some((parts.next()?.to_string(), parts.next()?.to_string(), status))
}
