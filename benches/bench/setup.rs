//! What the benchmark runs against and with: the options (environment
//! variables), three seeded registries (plain HTTP; TLS with token auth;
//! the same far away behind latency proxies), and the command lines of
//! ddigest, the seed's skopeo function and the curl wire floor.

use crate::latency::LatencyProxy;
use crate::util::certs::pki;
use crate::util::push::{PushAuth, Pusher};
use crate::util::registry::{Auth, Registry};
use crate::util::temp_dir;
use crate::util::token_server::{TokenServer, ISSUER, SERVICE};
use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

/// Picks the token out of the token server's JSON answer.
const TOKEN_SED: &str = r#"s/.*"token":"\([^"]*\)".*/\1/p"#;

/// What every manifest request of ddigest asks for, sent by the floor too.
const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.v2+json";

#[derive(Debug)]
pub struct Options {
    pub repos: usize,
    pub tags: usize,
    /// References in the largest scaling row.
    pub scale: usize,
    pub rtt: Duration,
    /// Rounds for fast commands, slow loops, and loops far away.
    pub runs: usize,
    pub slow_runs: usize,
    pub far_runs: usize,
    /// Tags in the `tags` section's repository (ten times as many for memory).
    pub tag_count: usize,
    /// `BENCH_ONLY`: the sections to run (comma list), all when empty.
    pub only: Vec<String>,
}

impl Options {
    pub fn from_env() -> Options {
        let get = |name: &str, default: usize| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Options {
            repos: get("BENCH_REPOS", 10),
            tags: get("BENCH_TAGS", 10),
            scale: get("BENCH_SCALE", 1000),
            rtt: Duration::from_millis(get("BENCH_RTT_MS", 25) as u64),
            runs: get("BENCH_RUNS", 9),
            slow_runs: get("BENCH_SLOW_RUNS", 5),
            far_runs: get("BENCH_FAR_RUNS", 3),
            tag_count: get("BENCH_TAG_COUNT", 1000),
            only: std::env::var("BENCH_ONLY")
                .unwrap_or_default()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }

    pub fn wants(&self, section: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|s| s == section)
    }
}

/// One registry as clients reach it, with the references seeded there.
pub struct Site {
    pub refs: Vec<String>,
    registry: Registry,
    token: Option<TokenServer>,
    /// The token realm as clients reach it.
    realm: Option<String>,
    tls: bool,
    files: tempfile::TempDir,
    _proxies: Vec<LatencyProxy>,
}

/// Requests one run made, from the registry's and token server's logs.
#[derive(Clone, Copy, Debug)]
pub struct Counted {
    pub manifests: usize,
    pub other: usize,
    pub tokens: usize,
}

pub struct Bench {
    pub plain: Site,
    pub tls: Site,
    pub far: Site,
    home: tempfile::TempDir,
    cert_dir: tempfile::TempDir,
    work: tempfile::TempDir,
    ca: String,
}

impl Bench {
    pub fn new(opts: &Options) -> Bench {
        let ca = pki().ca_pem.display().to_string();
        let cert_dir = temp_dir("bench-certs");
        std::fs::copy(&pki().ca_pem, cert_dir.path().join("ca.crt")).expect("copy CA");
        let hundred_tags = opts.tags;
        let scale_tags = hundred_tags.max(opts.scale.div_ceil(opts.repos));
        Bench {
            plain: Site::plain(),
            tls: Site::token(opts.repos, scale_tags, None),
            far: Site::token(opts.repos, hundred_tags, Some(opts.rtt)),
            home: temp_dir("bench-home"),
            cert_dir,
            work: temp_dir("bench-work"),
            ca,
        }
    }

    fn env(&self, command: &mut Command) {
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("DOCKER_CONFIG", self.home.path().join(".docker"))
            // Every row starts cold but those that say they share the cache.
            .env("DDIGEST_NO_CACHE", "1");
    }

    pub fn env_pairs(&self) -> Vec<(String, String)> {
        let home = self.home.path().display().to_string();
        vec![
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ("HOME".into(), home.clone()),
            ("DOCKER_CONFIG".into(), format!("{home}/.docker")),
            ("DDIGEST_NO_CACHE".into(), "1".into()),
        ]
    }

    /// The cache folder the rows that share a cache use.
    pub fn cache_dir(&self) -> String {
        self.work.path().join("cache").display().to_string()
    }

    /// ddigest with the shared cache on, in `cache_dir`.
    pub fn ddigest_cached(&self, args: &[&str]) -> Command {
        let mut command = self.ddigest(args);
        command
            .env_remove("DDIGEST_NO_CACHE")
            .env("DDIGEST_CACHE_DIR", self.cache_dir());
        command
    }

    /// ddigest once per line of `list`, the cache shared from an empty
    /// start (it is removed first), as a CI step's calls share it.
    pub fn ddigest_cached_loop(&self, list: &str) -> String {
        let bin = env!("CARGO_BIN_EXE_ddigest");
        let cache = self.cache_dir();
        format!(
            "rm -rf {cache}; while read -r r; do env -u DDIGEST_NO_CACHE DDIGEST_CACHE_DIR={cache} \
             {bin} --ca-file {} \"$r\"; done < {list}",
            self.ca
        )
    }

    /// ddigest with `args`, trusting the test CA.
    pub fn ddigest(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ddigest"));
        self.env(&mut command);
        if args != ["--version"] {
            command.args(["--ca-file", &self.ca]);
        }
        command.args(args);
        command
    }

    /// `sh -c SCRIPT` in the benchmark's environment.
    pub fn shell(&self, script: &str) -> Command {
        let mut command = crate::measure::sh(script);
        self.env(&mut command);
        command
    }

    pub fn skopeo_flags(&self, site: &Site) -> String {
        if site.tls {
            format!("--cert-dir {}", self.cert_dir.path().display())
        } else {
            "--tls-verify=false".into()
        }
    }

    /// The seed article's function for one reference.
    pub fn seed(&self, reference: &str, site: &Site) -> String {
        let flags = self.skopeo_flags(site);
        format!("skopeo inspect --raw {flags} docker://{reference} | sha256sum")
    }

    pub fn seed_loop(&self, list: &str, site: &Site) -> String {
        let flags = self.skopeo_flags(site);
        format!("while read -r r; do skopeo inspect --raw {flags} \"docker://$r\" | sha256sum; done < {list}")
    }

    pub fn ddigest_loop(&self, list: &str) -> String {
        let bin = env!("CARGO_BIN_EXE_ddigest");
        format!(
            "while read -r r; do {bin} --ca-file {} \"$r\"; done < {list}",
            self.ca
        )
    }

    /// One ddigest call for every reference in `list` (stdin); extra flags
    /// from `BENCH_DDIGEST_ARGS`, for trying settings out.
    pub fn batch_script(&self, list: &str) -> String {
        let bin = env!("CARGO_BIN_EXE_ddigest");
        let extra = std::env::var("BENCH_DDIGEST_ARGS").unwrap_or_default();
        format!("{bin} --ca-file {} {extra} - < {list}", self.ca)
    }

    /// Writes references one per line; returns the file's path.
    pub fn write_refs(&self, name: &str, refs: &[String]) -> String {
        let path = self.work.path().join(format!("{name}.txt"));
        std::fs::write(&path, refs.join("\n") + "\n").expect("write references");
        path.display().to_string()
    }

    pub fn ca(&self) -> &str {
        &self.ca
    }

    /// The machine and versions, as markdown list items.
    pub fn machine(&self, opts: &Options) -> String {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let model = cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name")?
                    .split_once(':')
                    .map(|(_, m)| m.trim())
            })
            .unwrap_or("unknown CPU");
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
        let os = os_release
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .unwrap_or("unknown")
            .trim_matches('"');
        let bin = env!("CARGO_BIN_EXE_ddigest");
        let mut out = format!(
            "- {cores} cores: {model}; {os}, {}\n",
            first_line("uname", &["-sr"])
        );
        for (name, program, args) in [
            ("ddigest", bin, &["--version"][..]),
            ("rustc", "rustc", &["-V"][..]),
            ("skopeo", "skopeo", &["--version"][..]),
            ("curl", "curl", &["--version"][..]),
            ("registry", "docker-registry", &["--version"][..]),
        ] {
            out += &format!("- {name}: `{}`\n", first_line(program, args));
        }
        out += &format!(
            "- seeded: {} repositories × {} tags (plus {} references for scaling); \
             {} rounds for fast commands, {} for the 100-reference contest, {} far away; \
             RTT added by the latency proxy: {} ms\n",
            opts.repos,
            opts.tags,
            opts.scale,
            opts.runs,
            opts.slow_runs,
            opts.far_runs,
            opts.rtt.as_millis()
        );
        out
    }
}

fn first_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().next().map(str::to_string))
        .unwrap_or_else(|| format!("{program}: not found"))
}

impl Site {
    fn plain() -> Site {
        let registry = Registry::start(Auth::None, false);
        let refs = seed(
            &Pusher::new(&registry, PushAuth::None),
            &registry.host(),
            1,
            1,
        );
        Site::new(refs, registry, None, None, Vec::new())
    }

    /// A TLS registry with token auth, `rtt` away when given.
    fn token(repos: usize, tags: usize, rtt: Option<Duration>) -> Site {
        Site::token_seeded(rtt, |pusher, host| seed(pusher, host, repos, tags))
    }

    /// A TLS registry with token auth, `rtt` away when given, seeded by
    /// `seed` (given the pusher and the host clients reach it at).
    pub fn token_seeded(
        rtt: Option<Duration>,
        seed: impl FnOnce(&Pusher, &str) -> Vec<String>,
    ) -> Site {
        let server = TokenServer::start();
        let mut proxies = Vec::new();
        let mut realm = server.realm();
        if let Some(rtt) = rtt {
            proxies.push(LatencyProxy::start(server.port, rtt));
            realm = format!("http://127.0.0.1:{}/token", proxies[0].port);
        }
        let auth = Auth::Token {
            realm: realm.clone(),
            service: SERVICE.into(),
            issuer: ISSUER.into(),
        };
        let registry = Registry::start(auth, true);
        let mut host = registry.host();
        if let Some(rtt) = rtt {
            proxies.push(LatencyProxy::start(registry.port, rtt));
            host = format!("127.0.0.1:{}", proxies[1].port);
        }
        let refs = seed(&Pusher::new(&registry, PushAuth::Token("alice")), &host);
        Site::new(refs, registry, Some(server), Some(realm), proxies)
    }

    fn new(
        refs: Vec<String>,
        registry: Registry,
        token: Option<TokenServer>,
        realm: Option<String>,
        proxies: Vec<LatencyProxy>,
    ) -> Site {
        Site {
            refs,
            tls: registry.tls,
            registry,
            token,
            realm,
            files: temp_dir("bench-site"),
            _proxies: proxies,
        }
    }

    /// The least any client can do: one token request for every repository
    /// the references name, then one HEAD per reference (several at once
    /// over one HTTP/2 connection when there are several).
    pub fn floor(&self, refs: &[String], ca: &str) -> String {
        let realm = self.realm.as_deref().expect("a token registry");
        let repos: BTreeSet<&str> = refs.iter().map(|r| repo_of(r)).collect();
        let scopes: String = repos
            .iter()
            .map(|repo| format!("&scope=repository:{repo}:pull"))
            .collect();
        let config = self.files.path().join(format!("urls-{}.txt", refs.len()));
        let urls: String = refs
            .iter()
            .map(|r| format!("url = \"https://{}\"\n", manifest_url(r)))
            .collect();
        std::fs::write(&config, urls).expect("curl config");
        let parallel = if refs.len() > 1 {
            "--parallel --parallel-max 100"
        } else {
            ""
        };
        let config = config.display();
        format!(
            "T=$(curl -sf '{realm}?service={SERVICE}{scopes}' | sed -n '{TOKEN_SED}') && \
             curl -sf --cacert {ca} -H \"Authorization: Bearer $T\" -H 'Accept: {ACCEPT}' -I {parallel} -K {config}"
        )
    }

    /// What `f` cost in requests, read from the servers' logs.
    pub fn count_requests(&self, f: impl FnOnce()) -> Counted {
        let before = self.registry.ddigest_requests(0).len();
        let tokens_before = self.token.as_ref().map_or(0, |t| t.requests().len());
        f();
        std::thread::sleep(Duration::from_millis(500));
        let seen = self.registry.ddigest_requests(0);
        let new = &seen[before..];
        let manifests = new
            .iter()
            .filter(|(_, path, _)| path.contains("/manifests/"))
            .count();
        Counted {
            manifests,
            other: new.len() - manifests,
            tokens: self.token.as_ref().map_or(0, |t| t.requests().len()) - tokens_before,
        }
    }
}

/// `repos` × `tags` references, tag-major (`t0` of every repository
/// first), each tag its own manifest (one config and layer per repository).
fn seed(pusher: &Pusher, host: &str, repos: usize, tags: usize) -> Vec<String> {
    let mut refs = Vec::with_capacity(repos * tags);
    let firsts: Vec<_> = (0..repos)
        .map(|r| pusher.image(&format!("public/r{r}"), "t0", true, "linux/amd64"))
        .collect();
    for t in 0..tags {
        for (r, first) in firsts.iter().enumerate() {
            let repo = format!("public/r{r}");
            if t > 0 {
                let mut manifest: serde_json::Value =
                    serde_json::from_slice(&first.bytes).expect("manifest json");
                manifest["annotations"] = serde_json::json!({"org.example.tag": format!("t{t}")});
                let bytes = serde_json::to_vec(&manifest).expect("json");
                pusher.manifest(&repo, &format!("t{t}"), first.media_type, bytes);
            }
            refs.push(format!("{host}/{repo}:t{t}"));
        }
    }
    refs
}

fn repo_of(reference: &str) -> &str {
    let path = reference.split_once('/').map_or(reference, |(_, p)| p);
    path.rsplit_once(':').map_or(path, |(repo, _)| repo)
}

/// `HOST/v2/REPO/manifests/TAG` of `HOST/REPO:TAG`.
fn manifest_url(reference: &str) -> String {
    let (host, path) = reference.split_once('/').expect("host/path");
    let (repo, tag) = path.rsplit_once(':').expect("repo:tag");
    format!("{host}/v2/{repo}/manifests/{tag}")
}
