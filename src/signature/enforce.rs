//! `--policy`: a policy.json's requirements for a reference, enforced
//! against the registry as containers/image enforces them on a pull:
//! every requirement of the matching scope must hold; `sigstoreSigned`
//! holds when one of the digest's cosign `.sig` layers is signed by one of
//! its keys (or by a certificate of its Fulcio CA for its issuer and
//! e-mail), proven by its Rekor key when it names one, and claims an
//! identity its `signedIdentity` accepts. Each digest's layers and
//! payloads are fetched once, when a requirement first needs them.

use super::keyless::material::{self, Annotated};
use super::keyless::rekor::{self, Names};
use super::keyless::root::TrustedRoot;
use super::payload;
use super::policy::{Policy, Requirement, Signer, Sigstore};
use super::verify::{layer_signature, Search, Tally, MAX_CHECKED};
use super::{SignatureError, Vouched};
use crate::artifact::Descriptor;
use crate::digest::Digest;
use crate::resolve::ResolveError;
use sha2::{Digest as _, Sha256};

/// What the policy says of the digests (a platform's entry, then its
/// index): the scope that applied, and whether a signature was checked.
pub async fn enforce(
    search: &Search<'_>,
    digests: &[Digest],
    policy: &Policy,
) -> Result<Vouched, ResolveError> {
    let (scope, requirements) = policy.for_reference(search.reference);
    let scope = if scope.is_empty() { "\"\"" } else { scope }.to_string();
    let mut seen: Vec<Option<Vec<Layer>>> = vec![None; digests.len()];
    let mut signed = false;
    for requirement in requirements {
        match requirement {
            Requirement::Accept => {}
            Requirement::Reject => return Err(SignatureError::Rejected { scope }.into()),
            Requirement::Unsupported(what) => {
                let what = what.clone();
                return Err(SignatureError::Unsupported { scope, what }.into());
            }
            Requirement::Sigstore(wanted) => {
                sigstore(search, digests, wanted, &scope, &mut seen).await?;
                signed = true;
            }
        }
    }
    search.say(&format!("policy scope {scope}: accepted"));
    Ok(Vouched::Policy { scope, signed })
}

/// A `.sig` layer, and its payload once fetched (or why it cannot be).
#[derive(Clone)]
struct Layer {
    descriptor: Descriptor,
    payload: Option<Result<Vec<u8>, String>>,
}

/// One `sigstoreSigned` requirement: some `.sig` layer of one of the
/// digests satisfies it. `seen` keeps what was fetched for the next one.
async fn sigstore(
    search: &Search<'_>,
    digests: &[Digest],
    wanted: &Sigstore,
    scope: &str,
    seen: &mut [Option<Vec<Layer>>],
) -> Result<(), ResolveError> {
    let mut tally = Tally::default();
    for (digest, slot) in digests.iter().zip(seen.iter_mut()) {
        let mut layers = match slot.take() {
            Some(layers) => layers,
            None => search
                .sig_layers(digest)
                .await?
                .into_iter()
                .map(|descriptor| Layer {
                    descriptor,
                    payload: None,
                })
                .collect(),
        };
        tally.found += layers.len();
        let held = some_layer_holds(search, digest, &mut layers, wanted, &mut tally).await;
        *slot = Some(layers);
        if held? {
            return Ok(());
        }
    }
    Err(tally.failure(digests, format!("the policy's scope {scope}")))
}

async fn some_layer_holds(
    search: &Search<'_>,
    digest: &Digest,
    layers: &mut [Layer],
    wanted: &Sigstore,
    tally: &mut Tally,
) -> Result<bool, ResolveError> {
    for layer in layers.iter_mut().take(MAX_CHECKED) {
        let payload = match layer.payload.take() {
            Some(payload) => payload,
            None => {
                search
                    .blob(&layer.descriptor, "the signature payload")
                    .await?
            }
        };
        let verdict = match &payload {
            Ok(payload) => layer_holds(search, digest, &layer.descriptor, payload, wanted),
            Err(why) => Err(why.clone()),
        };
        layer.payload = Some(payload);
        match verdict {
            Ok(()) => return Ok(true),
            Err(why) => tally.refuse(why),
        }
    }
    Ok(false)
}

/// Whether one layer satisfies the requirement, or why not.
fn layer_holds(
    search: &Search<'_>,
    digest: &Digest,
    layer: &Descriptor,
    payload: &[u8],
    wanted: &Sigstore,
) -> Result<(), String> {
    let signature = layer_signature(layer)?;
    let claimed = payload::check_simple_signing(payload, digest).map_err(|e| e.to_string())?;
    match &wanted.signer {
        Signer::Keys { keys, rekor } => {
            let (_, spki) = keys
                .iter()
                .find(|(k, _)| k.verifies(payload, &signature))
                .ok_or("a signature does not verify with the policy's keys")?;
            if let Some(rekor) = rekor {
                logged(layer, rekor, &signature, spki, payload)?;
            }
        }
        Signer::Fulcio(keyless) => {
            let found = Annotated::read(&layer.annotations).map_err(|e| e.to_string())?;
            let evidence = found.evidence(payload, &signature, &found.chain);
            keyless.verify(&evidence).map_err(|e| e.to_string())?;
        }
    }
    if !wanted
        .identity
        .matches(search.reference, claimed.as_deref())
    {
        let claimed = claimed.as_deref().unwrap_or("no identity");
        return Err(format!(
            "the signature claims {claimed}, which the policy's signedIdentity does not accept for {}",
            search.reference
        ));
    }
    Ok(())
}

/// A key signature's Rekor bundle: its SET verifies with one of the
/// policy's Rekor keys, and its body names this signature, key and payload.
fn logged(
    layer: &Descriptor,
    rekor: &TrustedRoot,
    signature: &[u8],
    spki: &[u8],
    payload: &[u8],
) -> Result<(), String> {
    let bundle = layer.annotations.get(material::BUNDLE_ANNOTATION);
    let entry = material::annotated_entry(bundle.map(String::as_str)).map_err(|e| e.to_string())?;
    let names = Names {
        signature,
        certificate: spki,
        payload_sha256: Sha256::digest(payload).into(),
        dsse: false,
    };
    rekor::names(&entry, &names).map_err(|e| e.to_string())?;
    rekor::prove(&entry, rekor, false).map_err(|e| e.to_string())?;
    Ok(())
}
