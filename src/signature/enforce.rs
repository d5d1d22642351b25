//! `--policy`: a policy.json's requirements for a reference, enforced
//! against the registry as containers/image enforces them on a pull:
//! every requirement of the matching scope must hold; `sigstoreSigned`
//! holds when one of the digest's cosign `.sig` layers is signed by one of
//! its keys (or by a certificate of its Fulcio CA for its issuer and
//! e-mail), proven by its Rekor key when it names one, and claims an
//! identity its `signedIdentity` accepts.

use super::keyless::material::{self, BUNDLE_ANNOTATION, CERTIFICATE_ANNOTATION};
use super::keyless::rekor::{self, Names};
use super::keyless::root::{Authority, Log, TrustedRoot, Window};
use super::keyless::{Evidence, Keyless, Matcher};
use super::payload::{self, SIGNATURE_ANNOTATION};
use super::policy::{Policy, Requirement, Signer, Sigstore};
use super::verify::{Search, MAX_CHECKED};
use super::{SignatureError, Verifier, Vouched};
use crate::artifact::Descriptor;
use crate::digest::Digest;
use crate::resolve::ResolveError;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

const CHAIN_ANNOTATION: &str = "dev.sigstore.cosign/chain";

/// What the policy says of the digests (a platform's entry, then its
/// index): the scope that applied, and whether a signature was checked.
pub async fn enforce(
    search: &Search<'_>,
    digests: &[Digest],
    policy: &Policy,
) -> Result<Vouched, ResolveError> {
    let (scope, requirements) = policy.for_reference(search.reference);
    let scope = if scope.is_empty() { "\"\"" } else { scope }.to_string();
    let mut signed = false;
    for requirement in requirements {
        match requirement {
            Requirement::Accept => {}
            Requirement::Reject => return Err(SignatureError::Rejected { scope }.into()),
            Requirement::Unsupported(what) => {
                return Err(SignatureError::Unsupported {
                    scope,
                    what: what.clone(),
                }
                .into())
            }
            Requirement::Sigstore(wanted) => {
                sigstore(search, digests, wanted, &scope).await?;
                signed = true;
            }
        }
    }
    search.say(&format!("policy scope {scope}: accepted"));
    Ok(Vouched::Policy { scope, signed })
}

/// One `sigstoreSigned` requirement: some `.sig` layer of one of the
/// digests satisfies it.
async fn sigstore(
    search: &Search<'_>,
    digests: &[Digest],
    wanted: &Sigstore,
    scope: &str,
) -> Result<(), ResolveError> {
    let (mut found, mut why) = (0, Vec::<String>::new());
    for digest in digests {
        let layers = search.sig_layers(digest).await?;
        found += layers.len();
        for layer in layers.iter().take(MAX_CHECKED) {
            let payload = match search.blob(layer, "the signature payload").await? {
                Ok(payload) => payload,
                Err(e) => {
                    why.push(e);
                    continue;
                }
            };
            match layer_holds(search, digest, layer, &payload, wanted) {
                Ok(()) => return Ok(()),
                Err(e) if !why.contains(&e) => why.push(e),
                Err(_) => {}
            }
        }
    }
    let names: Vec<String> = digests.iter().map(Digest::to_string).collect();
    let digests = names.join(" or its index ");
    if found == 0 {
        return Err(SignatureError::Unsigned { digests }.into());
    }
    why.truncate(3);
    Err(SignatureError::Bad {
        digests,
        found,
        keys: format!("the policy's scope {scope}"),
        why: why.join("; "),
    }
    .into())
}

/// Whether one layer satisfies the requirement, or why not.
fn layer_holds(
    search: &Search<'_>,
    digest: &Digest,
    layer: &Descriptor,
    payload: &[u8],
    wanted: &Sigstore,
) -> Result<(), String> {
    let annotation = |name: &str| layer.annotations.get(name).map(String::as_str);
    let signature = annotation(SIGNATURE_ANNOTATION)
        .and_then(|s| STANDARD.decode(s.trim()).ok())
        .ok_or("a signature layer has no base64 signature annotation")?;
    let claimed = payload::check_simple_signing(payload, digest).map_err(|e| e.to_string())?;
    match &wanted.signer {
        Signer::Keys(keys) => {
            let (_, spki) = keys
                .iter()
                .find(|(k, _)| k.verifies(payload, &signature))
                .ok_or("a signature does not verify with the policy's keys")?;
            if !wanted.rekor.is_empty() {
                logged(
                    annotation(BUNDLE_ANNOTATION),
                    wanted,
                    &signature,
                    spki,
                    payload,
                )?;
            }
        }
        Signer::Fulcio { cas, issuer, email } => {
            let pem = annotation(CERTIFICATE_ANNOTATION)
                .ok_or("a signature has no Fulcio certificate")?;
            let certificate = material::annotated_certificate(pem).map_err(|e| e.to_string())?;
            let entry = material::annotated_entry(annotation(BUNDLE_ANNOTATION))
                .map_err(|e| e.to_string())?;
            let chain = annotation(CHAIN_ANNOTATION)
                .map(|c| super::keyless::pem_certificates(c.as_bytes()))
                .unwrap_or_default();
            let keyless = Keyless {
                root: policy_root(cas, &wanted.rekor),
                identity: Matcher::Exact(email.clone()),
                issuer: Matcher::Exact(issuer.clone()),
                require_sct: false,
            };
            let evidence = Evidence {
                certificate: &certificate,
                message: payload,
                signature: &signature,
                payload_sha256: Sha256::digest(payload).into(),
                dsse: false,
                entry: &entry,
                proof_required: false,
                intermediates: &chain,
            };
            keyless.verify(&evidence).map_err(|e| e.to_string())?;
        }
    }
    if !wanted
        .identity
        .matches(search.reference, claimed.as_deref())
    {
        let claimed = claimed.as_deref().unwrap_or("no identity");
        return Err(format!("the signature claims {claimed}, which the policy's signedIdentity does not accept for {}", search.reference));
    }
    Ok(())
}

/// A key signature's Rekor bundle: its SET verifies with one of the
/// policy's Rekor keys, and its body names this signature, key and payload.
fn logged(
    bundle: Option<&str>,
    wanted: &Sigstore,
    signature: &[u8],
    spki: &[u8],
    payload: &[u8],
) -> Result<(), String> {
    let entry = material::annotated_entry(bundle).map_err(|e| e.to_string())?;
    let names = Names {
        signature,
        certificate: spki,
        payload_sha256: Sha256::digest(payload).into(),
        dsse: false,
    };
    rekor::names(&entry, &names).map_err(|e| e.to_string())?;
    rekor::prove(&entry, &policy_root(&[], &wanted.rekor), false).map_err(|e| e.to_string())?;
    Ok(())
}

/// The policy's CA and Rekor keys as a trusted root: every key valid at
/// any time (a policy gives no windows), each log known by its key's hash.
fn policy_root(cas: &[Vec<u8>], rekor: &[(super::key::PublicKey, Vec<u8>)]) -> TrustedRoot {
    let always = Window {
        start: i64::MIN,
        end: None,
    };
    TrustedRoot {
        tlogs: rekor
            .iter()
            .map(|(key, spki)| Log {
                id: Sha256::digest(spki).to_vec(),
                url: String::new(),
                key: key.clone(),
                valid: always,
            })
            .collect(),
        ctlogs: vec![],
        authorities: cas
            .iter()
            .map(|ca| Authority {
                uri: String::new(),
                chain: vec![ca.clone()],
                valid: always,
            })
            .collect(),
    }
}

impl Verifier {
    /// The policy, when `--policy` was given.
    pub fn policy(&self) -> Option<&Policy> {
        self.policy.as_ref()
    }
}
