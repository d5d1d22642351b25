//! `--policy PATH`: containers-policy.json(5), the file podman, CRI-O and
//! skopeo enforce, read as strictly as containers/image reads it (unknown,
//! duplicate or invalid fields reject the whole file), and the docker
//! transport's scope lookup (`scope`). Requirements: `insecureAcceptAnything`,
//! `reject`, `sigstoreSigned` with keys or `fulcio` (and Rekor keys), each
//! with a `signedIdentity` (`identity`); `signedBy` (GPG, X.509),
//! `signedBaseLayer` and `pki` parse but are refused as not supported when
//! a reference needs them. Other transports' scopes are parsed as strictly
//! and not used. Pure but for reading the key and CA files the policy
//! names, at load.

pub mod identity;
pub mod scope;

use crate::signature::key::{spki_from_pem, PublicKey};
use crate::signature::keyless::root::{Authority, Log, TrustedRoot, Window};
use crate::signature::keyless::{Keyless, Matcher};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use identity::SignedIdentity;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A policy file that cannot be used: why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("{0}")]
    Invalid(String),
}

fn invalid(what: impl Into<String>) -> PolicyError {
    PolicyError::Invalid(what.into())
}

/// A map whose keys must be unique, as containers/image requires.
#[derive(Debug, Default)]
struct Unique<V>(Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Unique<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Seen<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Seen<V> {
            type Value = Unique<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unique<V>, A::Error> {
                let mut out: Vec<(String, V)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, V>()? {
                    if out.iter().any(|(k, _)| *k == key) {
                        return Err(serde::de::Error::custom(format!("duplicate key {key:?}")));
                    }
                    out.push((key, value));
                }
                Ok(Unique(out))
            }
        }
        d.deserialize_map(Seen(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    default: Option<Vec<RawRequirement>>,
    #[serde(default)]
    transports: Option<Unique<Unique<Vec<RawRequirement>>>>,
}

// Read once at start-up: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
enum RawRequirement {
    #[serde(rename = "insecureAcceptAnything")]
    Accept {},
    #[serde(rename = "reject")]
    Reject {},
    #[serde(rename = "signedBy", rename_all = "camelCase")]
    SignedBy {
        key_type: String,
        key_path: Option<String>,
        key_paths: Option<Vec<String>>,
        key_data: Option<String>,
        signed_identity: Option<SignedIdentity>,
    },
    #[serde(rename = "signedBaseLayer", rename_all = "camelCase")]
    SignedBaseLayer {
        // Read only so that the file is checked as strictly as upstream.
        #[allow(dead_code)]
        base_layer_identity: SignedIdentity,
    },
    #[serde(rename = "sigstoreSigned", rename_all = "camelCase")]
    Sigstore {
        key_path: Option<String>,
        key_paths: Option<Vec<String>>,
        key_data: Option<String>,
        key_datas: Option<Vec<String>>,
        fulcio: Option<RawFulcio>,
        pki: Option<serde_json::Value>,
        rekor_public_key_path: Option<String>,
        rekor_public_key_paths: Option<Vec<String>>,
        rekor_public_key_data: Option<String>,
        rekor_public_key_datas: Option<Vec<String>>,
        signed_identity: Option<SignedIdentity>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawFulcio {
    ca_path: Option<String>,
    ca_data: Option<String>,
    oidc_issuer: Option<String>,
    subject_email: Option<String>,
}

/// One requirement, ready to evaluate.
#[derive(Clone, Debug)]
pub enum Requirement {
    Accept,
    Reject,
    /// A requirement ddigest cannot check: never silently accepted.
    Unsupported(String),
    Sigstore(Sigstore),
}

/// `sigstoreSigned`: who must have signed, and what they may claim.
#[derive(Clone, Debug)]
pub struct Sigstore {
    pub signer: Signer,
    pub identity: SignedIdentity,
}

/// Public keys (with the Rekor keys that must have logged their
/// signatures, if the policy names any), or a Fulcio CA with the issuer
/// and e-mail it must name, ready to verify as keyless signatures are.
#[derive(Clone, Debug)]
pub enum Signer {
    Keys {
        /// Each key, and its SubjectPublicKeyInfo (a Rekor body names it).
        keys: Vec<(PublicKey, Vec<u8>)>,
        /// The Rekor keys as a trusted root of logs only.
        rekor: Option<TrustedRoot>,
    },
    Fulcio(Keyless),
}

/// A policy: the global default, and each docker-transport scope's
/// requirements (the other transports are parsed and checked, not used).
#[derive(Clone, Debug)]
pub struct Policy {
    pub default: Vec<Requirement>,
    pub docker: BTreeMap<String, Vec<Requirement>>,
}

impl Policy {
    /// Reads a policy file; key, CA and Rekor key paths are read too.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let bytes = std::fs::read(path).map_err(|e| invalid(format!("cannot read it: {e}")))?;
        Self::parse(&bytes, &|p| {
            std::fs::read(p).map_err(|e| format!("{p}: {e}"))
        })
    }

    /// Parses a policy, reading named files with `read`.
    pub fn parse(
        bytes: &[u8],
        read: &dyn Fn(&str) -> Result<Vec<u8>, String>,
    ) -> Result<Policy, PolicyError> {
        let raw: RawPolicy = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
        let default = raw
            .default
            .ok_or_else(|| invalid("\"default\" is missing: it is mandatory"))?;
        let default = requirements(default, read, "default")?;
        let mut docker = BTreeMap::new();
        for (transport, scopes) in raw.transports.map(|t| t.0).unwrap_or_default() {
            for (name, reqs) in scopes.0 {
                let at = format!("transports.{transport}.{name:?}");
                let reqs = requirements(reqs, read, &at)?;
                if transport == "docker" {
                    scope::validate(&name).map_err(|e| invalid(format!("{at}: {e}")))?;
                    docker.insert(name, reqs);
                }
            }
        }
        Ok(Policy { default, docker })
    }

    /// The scope that applies to a docker reference (`scope::lookup`), and
    /// its requirements.
    pub fn for_reference(&self, reference: &crate::reference::Reference) -> (&str, &[Requirement]) {
        scope::lookup(reference, |s| self.docker.get_key_value(s))
            .map_or(("default", &self.default[..]), |(name, reqs)| {
                (name.as_str(), reqs.as_slice())
            })
    }
}

fn requirements(
    raw: Vec<RawRequirement>,
    read: &dyn Fn(&str) -> Result<Vec<u8>, String>,
    at: &str,
) -> Result<Vec<Requirement>, PolicyError> {
    if raw.is_empty() {
        return Err(invalid(format!(
            "{at}: no requirements (use insecureAcceptAnything to accept anything)"
        )));
    }
    raw.into_iter()
        .map(|r| requirement(r, read).map_err(|e| invalid(format!("{at}: {e}"))))
        .collect()
}

/// Exactly one of these may be given.
fn one_of<T>(choices: Vec<Option<T>>) -> Result<Option<T>, ()> {
    let mut given = choices.into_iter().flatten();
    let first = given.next();
    if given.next().is_some() {
        return Err(());
    }
    Ok(first)
}

fn requirement(
    raw: RawRequirement,
    read: &dyn Fn(&str) -> Result<Vec<u8>, String>,
) -> Result<Requirement, String> {
    match raw {
        RawRequirement::Accept {} => Ok(Requirement::Accept),
        RawRequirement::Reject {} => Ok(Requirement::Reject),
        RawRequirement::SignedBy {
            key_type,
            key_path,
            key_paths,
            key_data,
            signed_identity,
        } => {
            const KEY_TYPES: [&str; 4] = [
                "GPGKeys",
                "signedByGPGKeys",
                "X509Certificates",
                "signedByX509CAs",
            ];
            if !KEY_TYPES.contains(&key_type.as_str()) {
                return Err(format!("signedBy: unknown keyType {key_type:?}"));
            }
            let sources = [key_path.is_some(), key_paths.is_some(), key_data.is_some()];
            if sources.iter().filter(|s| **s).count() != 1 {
                return Err("signedBy: exactly one of keyPath, keyPaths and keyData".into());
            }
            let _ = signed_identity;
            Ok(Requirement::Unsupported(format!("signedBy ({key_type})")))
        }
        RawRequirement::SignedBaseLayer {
            base_layer_identity: _,
        } => Ok(Requirement::Unsupported("signedBaseLayer".into())),
        RawRequirement::Sigstore {
            key_path,
            key_paths,
            key_data,
            key_datas,
            fulcio,
            pki,
            rekor_public_key_path,
            rekor_public_key_paths,
            rekor_public_key_data,
            rekor_public_key_datas,
            signed_identity,
        } => {
            let keys = one_of(vec![
                key_path.map(|p| Ok(vec![read(&p)?])).map(|r: Result<_, String>| r.map(Source::Keys)),
                key_paths.map(|ps| ps.iter().map(|p| read(p)).collect::<Result<Vec<_>, _>>().map(Source::Keys)),
                key_data.map(|d| decode(&d).map(|b| Source::Keys(vec![b]))),
                key_datas.map(|ds| ds.iter().map(|d| decode(d)).collect::<Result<Vec<_>, _>>().map(Source::Keys)),
                fulcio.map(|f| Ok(Source::Fulcio(f))),
                pki.map(|_| Ok(Source::Pki)),
            ])
            .map_err(|()| "sigstoreSigned: exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio and pki".to_string())?
            .ok_or("sigstoreSigned: one of keyPath, keyPaths, keyData, keyDatas, fulcio and pki is required")??;
            let rekor = one_of(vec![
                rekor_public_key_path.map(|p| read(&p).map(|b| vec![b])),
                rekor_public_key_paths.map(|ps| ps.iter().map(|p| read(p)).collect()),
                rekor_public_key_data.map(|d| decode(&d).map(|b| vec![b])),
                rekor_public_key_datas.map(|ds| ds.iter().map(|d| decode(d)).collect()),
            ])
            .map_err(|()| {
                "sigstoreSigned: at most one of rekorPublicKeyPath(s) and rekorPublicKeyData(s)"
                    .to_string()
            })?
            .transpose()?
            .unwrap_or_default();
            let rekor = rekor
                .iter()
                .map(|pem| pem_key(pem, "a Rekor public key"))
                .collect::<Result<Vec<_>, _>>()?;
            let signer = match keys {
                Source::Pki => {
                    return Ok(Requirement::Unsupported("sigstoreSigned with pki".into()))
                }
                Source::Keys(pems) => Signer::Keys {
                    keys: pems
                        .iter()
                        .map(|p| pem_key(p, "a key"))
                        .collect::<Result<_, _>>()?,
                    rekor: (!rekor.is_empty()).then(|| root_of(vec![], &rekor)),
                },
                Source::Fulcio(f) => fulcio_signer(f, read, &rekor)?,
            };
            Ok(Requirement::Sigstore(Sigstore {
                signer,
                identity: signed_identity.unwrap_or(SignedIdentity::MatchRepoDigestOrExact {}),
            }))
        }
    }
}

/// A policy's CAs and Rekor keys as a trusted root: every key valid at any
/// time (a policy gives no windows), each log known by its key's hash, as
/// Rekor names its log.
fn root_of(cas: Vec<Vec<u8>>, rekor: &[(PublicKey, Vec<u8>)]) -> TrustedRoot {
    use sha2::{Digest as _, Sha256};
    let always = Window {
        start: i64::MIN,
        end: None,
    };
    let log = |(key, spki): &(PublicKey, Vec<u8>)| Log {
        id: Sha256::digest(spki).to_vec(),
        url: String::new(),
        key: key.clone(),
        valid: always,
    };
    let authority = |ca| Authority {
        uri: String::new(),
        chain: vec![ca],
        valid: always,
    };
    TrustedRoot {
        tlogs: rekor.iter().map(log).collect(),
        ctlogs: vec![],
        authorities: cas.into_iter().map(authority).collect(),
    }
}

enum Source {
    Keys(Vec<Vec<u8>>),
    Fulcio(RawFulcio),
    Pki,
}

fn decode(data: &str) -> Result<Vec<u8>, String> {
    STANDARD
        .decode(data.trim())
        .map_err(|_| "a …Data value is not base64".to_string())
}

fn pem_key(pem: &[u8], what: &str) -> Result<(PublicKey, Vec<u8>), String> {
    let der = spki_from_pem(pem).map_err(|e| format!("{what}: {e}"))?;
    let key = PublicKey::from_der(&der).map_err(|e| format!("{what}: {e}"))?;
    Ok((key, der))
}

/// A `fulcio` requirement as a keyless check: the CA (with the untrusted
/// intermediates a signature brings, as containers/image takes them), the
/// Rekor keys, the exact issuer and e-mail; no SCT, as upstream asks none.
fn fulcio_signer(
    f: RawFulcio,
    read: &dyn Fn(&str) -> Result<Vec<u8>, String>,
    rekor: &[(PublicKey, Vec<u8>)],
) -> Result<Signer, String> {
    let pem = match (f.ca_path, f.ca_data) {
        (Some(path), None) => read(&path)?,
        (None, Some(data)) => decode(&data)?,
        _ => return Err("fulcio: exactly one of caPath and caData".into()),
    };
    let cas = crate::signature::keyless::pem_certificates(&pem);
    if cas.is_empty() {
        return Err("fulcio: the CA holds no PEM certificate".into());
    }
    let issuer = f.oidc_issuer.ok_or("fulcio: oidcIssuer is required")?;
    let email = f.subject_email.ok_or("fulcio: subjectEmail is required")?;
    if rekor.is_empty() {
        return Err("sigstoreSigned with fulcio requires a Rekor public key".into());
    }
    Ok(Signer::Fulcio(Keyless {
        root: root_of(cas, rekor),
        identity: Matcher::Exact(email),
        issuer: Matcher::Exact(issuer),
        require_sct: false,
    }))
}
