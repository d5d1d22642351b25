//! The referrers rules that need no network: the API's first-page path and
//! its `Link` to the next page, the referrers tag schema's tag and cosign's
//! `.sig`/`.att`/`.sbom` tags for a digest, and the KIND a referrer is
//! shown as. Pure.

use crate::digest::Digest;
use crate::signature::payload::{BUNDLE_PREFIX, COSIGN_SIGN_PREDICATE};
use std::collections::BTreeMap;

/// cosign's tags beside an image, and the kind each holds.
pub const COSIGN_TAGS: [(&str, &str); 3] = [
    (".sig", "signature"),
    (".att", "attestation"),
    (".sbom", "sbom"),
];

/// The annotation cosign 3 puts on a bundle's manifest naming what it signs.
const BUNDLE_PREDICATE: &str = "dev.sigstore.bundle.predicateType";

/// Artifact types that are signatures: cosign's, notation's.
const SIGNATURE_TYPES: [&str; 3] = [
    "application/vnd.dev.cosign.artifact.sig.v1+json",
    "application/vnd.dev.cosign.simplesigning.v1+json",
    "application/vnd.cncf.notary.signature",
];

/// `referrers/<digest>`, with `?artifactType=` when filtering.
pub fn first_page(digest: &Digest, artifact_type: Option<&str>) -> String {
    match artifact_type {
        Some(t) => format!("referrers/{digest}?artifactType={}", query_escape(t)),
        None => format!("referrers/{digest}"),
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn query_escape(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The next page from a `Link` header (`<URL>; rel="next"`), as the path
/// from `referrers/` on; only a page about the same digest is followed.
pub fn next_page(link: &str, digest: &Digest) -> Option<String> {
    link.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"" || p.trim() == "rel=next");
        let url = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        let at = url.find("/referrers/")?;
        let tail = &url[at + 1..];
        let same = tail
            .strip_prefix(&format!("referrers/{digest}"))
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('?'));
        (is_next && same).then(|| tail.to_string())
    })
}

/// The referrers tag schema's tag: `<alg>-<hex>`, the algorithm cut to 32
/// characters and the hex to 64, as the distribution spec says.
pub fn schema_tag(digest: &Digest) -> String {
    let algorithm: String = digest.algorithm().name().chars().take(32).collect();
    let hex: String = digest.hex().chars().take(64).collect();
    format!("{algorithm}-{hex}")
}

/// cosign's tag for `digest` with `suffix`: `sha256-<hex>.sig`.
pub fn cosign_tag(digest: &Digest, suffix: &str) -> String {
    format!("{}-{}{suffix}", digest.algorithm().name(), digest.hex())
}

/// The KIND column: signature, attestation or sbom when the artifact type
/// (or, for a Sigstore bundle, the predicate it carries) says so; else the
/// artifact type as it is.
pub fn kind_of(artifact_type: &str, annotations: &BTreeMap<String, String>) -> String {
    let lower = artifact_type.to_ascii_lowercase();
    if lower.starts_with(BUNDLE_PREFIX) {
        return match annotations.get(BUNDLE_PREDICATE) {
            Some(p) if p != COSIGN_SIGN_PREDICATE => by_content(&p.to_ascii_lowercase())
                .unwrap_or("attestation")
                .to_string(),
            _ => "signature".to_string(),
        };
    }
    if SIGNATURE_TYPES.contains(&lower.as_str()) {
        return "signature".to_string();
    }
    by_content(&lower).map_or_else(|| artifact_type.to_string(), str::to_string)
}

fn by_content(lower: &str) -> Option<&'static str> {
    if lower.contains("spdx") || lower.contains("cyclonedx") || lower.contains("sbom") {
        Some("sbom")
    } else if lower.contains("in-toto") || lower.contains("slsa") {
        Some("attestation")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest() -> Digest {
        Digest::sha256_of(b"image")
    }

    #[test]
    fn pages_follow_only_the_same_subject() {
        let d = digest();
        assert_eq!(first_page(&d, None), format!("referrers/{d}"));
        assert_eq!(
            first_page(&d, Some("application/spdx+json")),
            format!("referrers/{d}?artifactType=application%2Fspdx%2Bjson")
        );
        let link = format!("</v2/app/referrers/{d}?n=2&last=x>; rel=\"next\"");
        assert_eq!(
            next_page(&link, &d),
            Some(format!("referrers/{d}?n=2&last=x"))
        );
        let absolute = format!("<https://r.example/v2/a/b/referrers/{d}?last=y>; rel=next");
        assert_eq!(
            next_page(&absolute, &d),
            Some(format!("referrers/{d}?last=y"))
        );
        let other = format!(
            "</v2/app/referrers/{}>; rel=\"next\"",
            Digest::sha256_of(b"x")
        );
        assert_eq!(next_page(&other, &d), None);
        assert_eq!(
            next_page(&format!("</v2/app/referrers/{d}>; rel=\"prev\""), &d),
            None
        );
        assert_eq!(next_page("garbage", &d), None);
    }

    #[test]
    fn tags_beside_the_image() {
        let d = digest();
        assert_eq!(schema_tag(&d), format!("sha256-{}", d.hex()));
        assert_eq!(cosign_tag(&d, ".sig"), format!("sha256-{}.sig", d.hex()));
        let long = Digest::parse(&format!("sha512:{}", "a".repeat(128))).unwrap();
        assert_eq!(schema_tag(&long), format!("sha512-{}", "a".repeat(64)));
    }

    #[test]
    fn kinds() {
        let none = BTreeMap::new();
        assert_eq!(kind_of("application/spdx+json", &none), "sbom");
        assert_eq!(kind_of("application/vnd.cyclonedx+json", &none), "sbom");
        assert_eq!(
            kind_of("application/vnd.in-toto+json", &none),
            "attestation"
        );
        assert_eq!(
            kind_of("application/vnd.dev.cosign.artifact.sig.v1+json", &none),
            "signature"
        );
        assert_eq!(
            kind_of("application/vnd.cncf.notary.signature", &none),
            "signature"
        );
        let bundle = "application/vnd.dev.sigstore.bundle.v0.3+json";
        assert_eq!(kind_of(bundle, &none), "signature");
        let mut provenance = BTreeMap::new();
        provenance.insert(
            BUNDLE_PREDICATE.to_string(),
            "https://slsa.dev/provenance/v1".to_string(),
        );
        assert_eq!(kind_of(bundle, &provenance), "attestation");
        assert_eq!(
            kind_of("application/x-custom", &none),
            "application/x-custom"
        );
    }
}
