//! Pushing content to the test registry over the HTTP API with exact bytes:
//! blob upload (POST, then PUT with `?digest=`), then the manifest PUT with
//! its media type. Also builds small images, lists and indexes to push.

use super::registry::Registry;
use super::sha256;
use super::token_server::TokenServer;
use base64::Engine as _;
use serde_json::{json, Value};

pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

pub enum PushAuth {
    None,
    Basic(&'static str, &'static str),
    /// A token signed for this user with pull and push on the repository.
    Token(&'static str),
}

pub struct Pusher {
    base: String,
    http: reqwest::blocking::Client,
    auth: PushAuth,
}

/// A manifest that was pushed, with the digest of its exact bytes.
#[derive(Clone, Debug)]
pub struct Pushed {
    pub bytes: Vec<u8>,
    pub media_type: &'static str,
    pub digest: String,
}

impl Pusher {
    pub fn new(registry: &Registry, auth: PushAuth) -> Pusher {
        let mut builder = reqwest::blocking::Client::builder().no_proxy();
        if registry.tls {
            let pem = std::fs::read(&super::certs::pki().ca_pem).expect("CA");
            builder =
                builder.add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("CA pem"));
        }
        Pusher {
            base: registry.base_url(),
            http: builder.build().expect("client"),
            auth,
        }
    }

    fn authorize(
        &self,
        req: reqwest::blocking::RequestBuilder,
        repo: &str,
    ) -> reqwest::blocking::RequestBuilder {
        match self.auth {
            PushAuth::None => req,
            PushAuth::Basic(user, pass) => req.basic_auth(user, Some(pass)),
            PushAuth::Token(user) => {
                req.bearer_auth(TokenServer::token_for(user, repo, &["pull", "push"]))
            }
        }
    }

    /// Uploads a blob; returns its digest.
    pub fn blob(&self, repo: &str, bytes: &[u8]) -> String {
        let digest = sha256(bytes);
        let start = self.authorize(
            self.http
                .post(format!("{}/v2/{repo}/blobs/uploads/", self.base)),
            repo,
        );
        let started = start.send().expect("start upload");
        assert_eq!(started.status(), 202, "start upload: {:?}", started.text());
        let location = started.headers()["location"]
            .to_str()
            .expect("location")
            .to_string();
        let url = if location.starts_with('/') {
            format!("{}{location}", self.base)
        } else {
            location
        };
        let sep = if url.contains('?') { '&' } else { '?' };
        let put = self
            .http
            .put(format!("{url}{sep}digest={digest}"))
            .header("Content-Type", "application/octet-stream")
            .body(bytes.to_vec());
        let done = self.authorize(put, repo).send().expect("finish upload");
        assert_eq!(done.status(), 201, "finish upload: {:?}", done.text());
        digest
    }

    /// PUTs manifest bytes under `reference` (a tag or digest).
    pub fn manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &'static str,
        bytes: Vec<u8>,
    ) -> Pushed {
        let put = self
            .http
            .put(format!("{}/v2/{repo}/manifests/{reference}", self.base))
            .header("Content-Type", media_type)
            .body(bytes.clone());
        let response = self.authorize(put, repo).send().expect("put manifest");
        assert_eq!(
            response.status(),
            201,
            "put manifest {repo}:{reference}: {:?}",
            response.text()
        );
        let digest = sha256(&bytes);
        assert_eq!(response.headers()["docker-content-digest"], digest.as_str());
        Pushed {
            bytes,
            media_type,
            digest,
        }
    }

    /// Pushes a single-platform image (config + one layer) under `tag`.
    pub fn image(&self, repo: &str, tag: &str, oci: bool, platform: &str) -> Pushed {
        let mut parts = platform.split('/');
        let (os, arch, variant) = (
            parts.next().unwrap_or("linux"),
            parts.next().unwrap_or("amd64"),
            parts.next(),
        );
        let layer = format!("layer of {repo}:{tag} for {platform}").into_bytes();
        let mut config = json!({"architecture": arch, "os": os, "rootfs": {"type": "layers", "diff_ids": [sha256(&layer)]}});
        if let Some(v) = variant {
            config["variant"] = json!(v);
        }
        let config = serde_json::to_vec(&config).expect("json");
        let (mt, config_mt, layer_mt) = if oci {
            (
                OCI_MANIFEST,
                "application/vnd.oci.image.config.v1+json",
                "application/vnd.oci.image.layer.v1.tar+gzip",
            )
        } else {
            (
                DOCKER_MANIFEST,
                "application/vnd.docker.container.image.v1+json",
                "application/vnd.docker.image.rootfs.diff.tar.gzip",
            )
        };
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": mt,
            "config": {"mediaType": config_mt, "size": config.len(), "digest": self.blob(repo, &config)},
            "layers": [{"mediaType": layer_mt, "size": layer.len(), "digest": self.blob(repo, &layer)}],
        });
        self.manifest(repo, tag, mt, serde_json::to_vec(&manifest).expect("json"))
    }

    /// Pushes a list (Docker) or index (OCI) of `children` under `tag`,
    /// pretty-printed with `indent` spaces, or compact when `None`.
    pub fn list(
        &self,
        repo: &str,
        tag: &str,
        oci: bool,
        children: &[(Pushed, &str)],
        indent: Option<usize>,
    ) -> Pushed {
        let manifests: Vec<Value> = children
            .iter()
            .map(|(child, platform)| {
                let mut p = platform.split('/');
                let mut plat = json!({"architecture": p.clone().nth(1).unwrap_or("amd64"), "os": p.next().unwrap_or("linux")});
                if let Some(v) = platform.split('/').nth(2) {
                    plat["variant"] = json!(v);
                }
                json!({"mediaType": child.media_type, "size": child.bytes.len(), "digest": child.digest, "platform": plat})
            })
            .collect();
        let mt = if oci { OCI_INDEX } else { DOCKER_LIST };
        let list = json!({"schemaVersion": 2, "mediaType": mt, "manifests": manifests});
        self.manifest(repo, tag, mt, to_json(&list, indent))
    }
}

/// An index entry for `child`: its platform (`os/arch[/variant]`) or none.
pub fn descriptor(child: &Pushed, platform: Option<&str>) -> Value {
    let mut d =
        json!({"mediaType": child.media_type, "size": child.bytes.len(), "digest": child.digest});
    if let Some(platform) = platform {
        let parts: Vec<&str> = platform.split('/').collect();
        d["platform"] = json!({"os": parts[0], "architecture": parts[1]});
        if let Some(v) = parts.get(2) {
            d["platform"]["variant"] = json!(v);
        }
    }
    d
}

impl Pusher {
    /// Pushes an index (OCI) or list (Docker) of these raw entries under `tag`.
    pub fn index_of(&self, repo: &str, tag: &str, oci: bool, manifests: Vec<Value>) -> Pushed {
        let mt = if oci { OCI_INDEX } else { DOCKER_LIST };
        let list = json!({"schemaVersion": 2, "mediaType": mt, "manifests": manifests});
        self.manifest(repo, tag, mt, to_json(&list, None))
    }

    /// A BuildKit-style attestation manifest for `subject`, as an index entry.
    pub fn attestation(&self, repo: &str, subject: &Pushed) -> Value {
        let statement = format!("in-toto statement about {}", subject.digest).into_bytes();
        let config = br#"{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":[]}}"#;
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": config.len(), "digest": self.blob(repo, config)},
            "layers": [{"mediaType": "application/vnd.in-toto+json", "size": statement.len(), "digest": self.blob(repo, &statement)}],
        });
        let pushed = self.manifest(
            repo,
            &format!("att-{}", &subject.digest[7..19]),
            OCI_MANIFEST,
            to_json(&manifest, None),
        );
        let mut d = descriptor(&pushed, Some("unknown/unknown"));
        d["annotations"] = json!({
            "vnd.docker.reference.type": "attestation-manifest",
            "vnd.docker.reference.digest": subject.digest,
        });
        d
    }
}

pub fn to_json(value: &Value, indent: Option<usize>) -> Vec<u8> {
    let Some(n) = indent else {
        return serde_json::to_vec(value).expect("json");
    };
    let pad = " ".repeat(n);
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(pad.as_bytes());
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(value, &mut ser).expect("json");
    out
}

/// A config.json `auths` entry for `host` with Basic credentials.
pub fn auth_entry(user: &str, pass: &str) -> Value {
    json!({"auth": base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))})
}
