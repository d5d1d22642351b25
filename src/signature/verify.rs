//! Finding and checking a digest's signatures in the registry: first
//! cosign's `sha256-<hex>.sig` tag (an image manifest whose simple-signing
//! layers carry the signature in an annotation), then Sigstore bundles
//! among the digest's referrers (API or tag schema). Every payload is
//! fetched by its digest and checked before its signature is. The first
//! valid signature ends the search; failures to reach the registry are
//! errors, while what a signature manifest holds only counts for or
//! against the digest.

use super::keyless::material::{self, CERTIFICATE_ANNOTATION};
use super::keyless::{Evidence, Keyless};
use super::payload::{self, Bundle, SIGNATURE_ANNOTATION, SIMPLE_SIGNING};
use super::{SignatureError, Verifier, Vouched};
use crate::artifact::{parse_artifact, ArtifactManifest, Descriptor};
use crate::digest::Digest;
use crate::exit::ErrorCode;
use crate::reference::Reference;
use crate::referrers::{api_or_tag_schema, rules};
use crate::registry::Client;
use crate::resolve::{by_digest, checked_blob, fetch_if_any, ResolveError};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

/// At most this many signature layers (and bundles) are checked per
/// digest, so a hostile manifest of thousands costs a bounded number of
/// requests.
pub(super) const MAX_CHECKED: usize = 32;

/// What the search has seen so far: signatures found, and why each
/// invalid one was refused.
#[derive(Default)]
pub(super) struct Tally {
    pub(super) found: usize,
    refused: Vec<String>,
}

impl Tally {
    pub(super) fn refuse(&mut self, why: String) {
        if !self.refused.contains(&why) {
            self.refused.push(why);
        }
    }

    /// No valid signature for `digests` (a platform's entry, then its
    /// index): `unsigned` when none was found, else `bad_signature` with
    /// the first reasons, as none was valid for `keys`.
    pub(super) fn failure(self, digests: &[Digest], keys: String) -> ResolveError {
        let names: Vec<String> = digests.iter().map(Digest::to_string).collect();
        let digests = names.join(" or its index ");
        if self.found == 0 {
            return SignatureError::Unsigned { digests }.into();
        }
        let mut why: Vec<String> = self.refused.into_iter().take(3).collect();
        if why.is_empty() {
            why.push("none could be checked".into());
        }
        SignatureError::Bad {
            digests,
            found: self.found,
            keys,
            why: why.join("; "),
        }
        .into()
    }
}

/// A layer's signature annotation, decoded; `Err(why)` when it is missing
/// or not base64.
pub(super) fn layer_signature(layer: &Descriptor) -> Result<Vec<u8>, String> {
    let Some(encoded) = layer.annotations.get(SIGNATURE_ANNOTATION) else {
        return Err("a signature layer has no signature annotation".into());
    };
    STANDARD
        .decode(encoded.trim())
        .map_err(|_| "a signature annotation is not base64".into())
}

/// What vouches for one of `digests` (a platform's entry, then the index
/// holding it), searched in order: a `--key`, or a keyless signer.
pub async fn verify(
    client: &Client,
    reference: &Reference,
    digests: &[Digest],
    verifier: &Verifier,
) -> Result<Vouched, ResolveError> {
    let search = Search {
        client,
        reference,
        verifier,
    };
    if let Some(policy) = &verifier.policy {
        return super::enforce::enforce(&search, digests, policy).await;
    }
    let mut tally = Tally::default();
    for digest in digests {
        if let Some(vouched) = search.digest(digest, &mut tally).await? {
            return Ok(vouched);
        }
    }
    Err(tally.failure(digests, verifier.keys_text()))
}

pub(super) struct Search<'a> {
    pub(super) client: &'a Client,
    pub(super) reference: &'a Reference,
    pub(super) verifier: &'a Verifier,
}

impl Search<'_> {
    async fn digest(
        &self,
        digest: &Digest,
        tally: &mut Tally,
    ) -> Result<Option<Vouched>, ResolveError> {
        if let Some(key) = self.sig_tag(digest, tally).await? {
            return Ok(Some(key));
        }
        self.bundles(digest, tally).await
    }

    pub(super) fn say(&self, what: &str) {
        if self.verifier.verbose {
            crate::console::say("-v", what);
        }
    }

    /// cosign's `.sig` tag: an image manifest of simple-signing layers.
    async fn sig_tag(
        &self,
        digest: &Digest,
        tally: &mut Tally,
    ) -> Result<Option<Vouched>, ResolveError> {
        let layers = self.sig_layers(digest).await?;
        tally.found += layers.len();
        for layer in layers.iter().take(MAX_CHECKED) {
            match self.simple_signing(digest, layer).await? {
                Ok(key) => return Ok(Some(key)),
                Err(why) => tally.refuse(why),
            }
        }
        Ok(None)
    }

    /// The simple-signing layers of cosign's `.sig` tag for `digest`; none
    /// when there is no such tag or it is not an image manifest.
    pub(super) async fn sig_layers(
        &self,
        digest: &Digest,
    ) -> Result<Vec<Descriptor>, ResolveError> {
        let Ok(tagged) = self.reference.with_tag(&rules::cosign_tag(digest, ".sig")) else {
            return Ok(vec![]);
        };
        let fetched = match fetch_if_any(self.client, &tagged).await {
            Ok(Some(fetched)) => fetched,
            Ok(None) => return Ok(vec![]),
            // Too large to read: not a signature manifest ddigest reads.
            Err(e) if e.code() == ErrorCode::TooLarge => {
                self.say(&format!("{tagged}: {e}; not read as signatures"));
                return Ok(vec![]);
            }
            Err(e) => return Err(e),
        };
        let Ok(manifest) = parse_artifact(&fetched.bytes) else {
            self.say(&format!(
                "{tagged}: not an image manifest; no signatures read"
            ));
            return Ok(vec![]);
        };
        Ok(manifest
            .layers
            .into_iter()
            .filter(|l| l.media_type == SIMPLE_SIGNING)
            .collect())
    }

    /// One simple-signing layer: what vouches when valid, else why not.
    async fn simple_signing(
        &self,
        digest: &Digest,
        layer: &Descriptor,
    ) -> Result<Result<Vouched, String>, ResolveError> {
        let signature = match layer_signature(layer) {
            Ok(signature) => signature,
            Err(why) => return Ok(Err(why)),
        };
        let payload = match self.blob(layer, "the signature payload").await? {
            Ok(payload) => payload,
            Err(why) => return Ok(Err(why)),
        };
        let identity = match payload::check_simple_signing(&payload, digest) {
            Ok(identity) => identity,
            Err(e) => return Ok(Err(e.to_string())),
        };
        if let Some(key) = self.verifier.signer(&payload, &signature) {
            let named = identity.as_deref().unwrap_or("no docker-reference");
            self.say(&format!(
                "{digest}: signed by {} ({}) for {named}",
                key.given,
                key.key.kind()
            ));
            return Ok(Ok(Vouched::Key(key.given.clone())));
        }
        let certificate = layer.annotations.get(CERTIFICATE_ANNOTATION);
        match (&self.verifier.keyless, certificate) {
            (Some(keyless), Some(_)) => {
                Ok(self.keyless_layer(keyless, digest, layer, &payload, &signature))
            }
            (Some(_), None) if self.verifier.keys.is_empty() => Ok(Err(
                "a signature has no certificate (it was made with a key)".into(),
            )),
            _ => Ok(Err("a signature does not verify with the keys given".into())),
        }
    }

    /// A cosign 2 keyless layer: its certificate and Rekor bundle
    /// annotations, checked against the trusted root (its chain annotation
    /// is not trusted: the root has its own).
    fn keyless_layer(
        &self,
        keyless: &Keyless,
        digest: &Digest,
        layer: &Descriptor,
        payload: &[u8],
        signature: &[u8],
    ) -> Result<Vouched, String> {
        let found = material::Annotated::read(&layer.annotations)
            .map_err(|e| format!("a keyless signature: {e}"))?;
        let evidence = found.evidence(payload, signature, &[]);
        self.keyless_verdict(keyless, digest, &evidence)
    }

    fn keyless_verdict(
        &self,
        keyless: &Keyless,
        digest: &Digest,
        evidence: &Evidence,
    ) -> Result<Vouched, String> {
        match keyless.verify(evidence) {
            Ok(signer) => {
                self.say(&format!(
                    "{digest}: signed keyless by {} (issuer {}), logged {} (Rekor index {})",
                    signer.identity,
                    signer.issuer,
                    crate::time::rfc3339(signer.integrated_time),
                    signer.log_index
                ));
                Ok(Vouched::Keyless(signer))
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// A layer's blob, fetched by its digest and checked; `Err(why)` when
    /// the layer's descriptor or blob is not what it must be.
    pub(super) async fn blob(
        &self,
        layer: &Descriptor,
        what: &'static str,
    ) -> Result<Result<Vec<u8>, String>, ResolveError> {
        let Some(at) = layer.digest() else {
            return Ok(Err(format!(
                "{what} has an invalid digest {:?}",
                layer.digest
            )));
        };
        if layer.size.is_none() {
            return Ok(Err(format!("{what} has an invalid size")));
        }
        let named = ("the signature manifest's layer descriptor", what);
        match checked_blob(self.client, self.reference, &at, named).await {
            Ok(bytes) => Ok(Ok(bytes)),
            Err(e) if is_content_problem(&e) => Ok(Err(e.to_string())),
            Err(e) => Err(e),
        }
    }

    /// Sigstore bundles attached to the digest as referrers.
    async fn bundles(
        &self,
        digest: &Digest,
        tally: &mut Tally,
    ) -> Result<Option<Vouched>, ResolveError> {
        let listed = api_or_tag_schema(self.client, self.reference, digest, None).await;
        let entries = match listed {
            Ok(entries) => entries,
            // A referrers list that cannot be read holds no bundle to check.
            Err(e) if is_content_problem(&e) => {
                self.say(&format!("{digest}: referrers: {e}; no bundles read"));
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let is_bundle = |d: &&Descriptor| {
            d.artifact_type
                .as_deref()
                .is_some_and(|t| t.starts_with(payload::BUNDLE_PREFIX))
        };
        let mut manifest_bytes = None;
        for entry in entries.iter().filter(is_bundle).take(MAX_CHECKED) {
            let Some(manifest) = self.referrer_manifest(entry).await? else {
                tally.found += 1;
                tally.refuse("a bundle's manifest cannot be read".into());
                continue;
            };
            let layers = manifest.layers.iter();
            let layers = layers.filter(|l| l.media_type.starts_with(payload::BUNDLE_PREFIX));
            for layer in layers.take(MAX_CHECKED) {
                tally.found += 1;
                let bytes = match self.blob(layer, "the signature bundle").await? {
                    Ok(bytes) => bytes,
                    Err(why) => {
                        tally.refuse(why);
                        continue;
                    }
                };
                match self.bundle(digest, &bytes, &mut manifest_bytes).await? {
                    Ok(vouched) => return Ok(Some(vouched)),
                    Err(why) => tally.refuse(why),
                }
            }
        }
        Ok(None)
    }

    async fn referrer_manifest(
        &self,
        entry: &Descriptor,
    ) -> Result<Option<ArtifactManifest>, ResolveError> {
        let Some(at) = entry.digest() else {
            return Ok(None);
        };
        match by_digest(self.client, self.reference, &at).await {
            Ok(fetched) => Ok(parse_artifact(&fetched.bytes).ok()),
            Err(e) if is_content_problem(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// One bundle: a DSSE envelope over a statement naming the digest, or a
    /// message signature over the manifest itself.
    async fn bundle(
        &self,
        digest: &Digest,
        bytes: &[u8],
        manifest: &mut Option<Vec<u8>>,
    ) -> Result<Result<Vouched, String>, ResolveError> {
        let bundle = match payload::parse_bundle(bytes) {
            Ok(bundle) => bundle,
            Err(e) => return Ok(Err(format!("a bundle: {e}"))),
        };
        let signed = match bundle {
            Bundle::Dsse {
                payload_type,
                payload,
                signatures,
            } => {
                if let Err(e) = payload::check_dsse_payload(&payload_type, &payload, digest) {
                    return Ok(Err(format!("a bundle: {e}")));
                }
                Signed {
                    message: payload::pae(&payload_type, &payload),
                    signatures,
                    payload_sha256: Sha256::digest(&payload).into(),
                    dsse: true,
                }
            }
            Bundle::Message {
                algorithm,
                digest: signed,
                signature,
            } => {
                if !payload::message_signs_manifest(&algorithm, &signed, digest) {
                    return Ok(Err(
                        "a bundle's message signature is over something else".into()
                    ));
                }
                if manifest.is_none() {
                    *manifest = Some(by_digest(self.client, self.reference, digest).await?.bytes);
                }
                // The bundle's digest, just checked to be the manifest's.
                let Ok(payload_sha256) = <[u8; 32]>::try_from(signed.as_slice()) else {
                    return Ok(Err("a bundle's message digest is not SHA-256".into()));
                };
                Signed {
                    message: manifest.clone().unwrap_or_default(),
                    signatures: vec![signature],
                    payload_sha256,
                    dsse: false,
                }
            }
        };
        for signature in &signed.signatures {
            if let Some(key) = self.verifier.signer(&signed.message, signature) {
                self.say(&format!(
                    "{digest}: bundle signed by {} ({})",
                    key.given,
                    key.key.kind()
                ));
                return Ok(Ok(Vouched::Key(key.given.clone())));
            }
        }
        match &self.verifier.keyless {
            Some(keyless) => Ok(self.keyless_bundle(keyless, digest, bytes, &signed)),
            None => Ok(Err(
                "a bundle's signature does not verify with the keys given".into(),
            )),
        }
    }

    /// A bundle's certificate and log entries, checked against the trusted
    /// root for each of its signatures.
    fn keyless_bundle(
        &self,
        keyless: &Keyless,
        digest: &Digest,
        bytes: &[u8],
        signed: &Signed,
    ) -> Result<Vouched, String> {
        let found = material::bundle_material(bytes).map_err(|e| format!("a bundle: {e}"))?;
        let mut why = String::new();
        for signature in &signed.signatures {
            for entry in found.entries.iter().take(MAX_CHECKED) {
                let evidence = Evidence {
                    certificate: &found.certificate,
                    message: &signed.message,
                    signature,
                    payload_sha256: signed.payload_sha256,
                    dsse: signed.dsse,
                    entry,
                    proof_required: found.proof_required,
                    intermediates: &[],
                };
                match self.keyless_verdict(keyless, digest, &evidence) {
                    Ok(vouched) => return Ok(vouched),
                    Err(e) => why = e,
                }
            }
        }
        Err(why)
    }
}

/// What a bundle's signatures are over, and what its log entry must name.
struct Signed {
    message: Vec<u8>,
    signatures: Vec<Vec<u8>>,
    payload_sha256: [u8; 32],
    dsse: bool,
}

/// A failure that says what a signature's content is, not that the
/// registry could not be asked: it counts against the signature.
fn is_content_problem(e: &ResolveError) -> bool {
    matches!(
        e.code(),
        ErrorCode::DigestMismatch
            | ErrorCode::NotFound
            | ErrorCode::TooLarge
            | ErrorCode::BadManifest
    )
}
