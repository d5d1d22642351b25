//! What a hostile registry can put in front of `--key` and `ls
//! --referrers`: signature payloads, Sigstore bundles, artifact manifests,
//! referrers indexes, `Link` headers, and key files, as arbitrary bytes.
//! No panic; a parsed key verifies nothing it should not.
#![no_main]

use ddigest::artifact::{parse_artifact, parse_referrers};
use ddigest::digest::Digest;
use ddigest::referrers::rules::next_page;
use ddigest::signature::key::PublicKey;
use ddigest::signature::payload::{check_dsse_payload, check_simple_signing, pae, parse_bundle};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let digest = Digest::sha256_of(b"fuzzed image");
    let _ = check_simple_signing(data, &digest);
    let _ = parse_bundle(data);
    let _ = check_dsse_payload("application/vnd.in-toto+json", data, &digest);
    let _ = pae("application/vnd.in-toto+json", data);
    let _ = parse_artifact(data);
    let _ = parse_referrers(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = next_page(text, &digest);
    }
    if let Ok(key) = PublicKey::from_pem(data) {
        assert!(!key.verifies(b"message", data));
    }
    let _ = PublicKey::from_der(data);
});
