//! What a hostile registry can put in front of keyless verification:
//! certificates, trusted roots, cosign's Rekor bundle annotation, Sigstore
//! bundles' verification material, Rekor bodies, SCT lists and inclusion
//! proofs, and policy files, as arbitrary bytes. No panic, and nothing made of fuzzed bytes
//! verifies against the public-good root.
#![no_main]

use ddigest::signature::keyless::cert::Leaf;
use ddigest::signature::keyless::material::{annotated_entry, bundle_material};
use ddigest::signature::keyless::rekor::{self, Entry, Proof};
use ddigest::signature::keyless::root::TrustedRoot;
use ddigest::signature::keyless::{sct, Evidence, Keyless, Matcher};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A policy file: parsed strictly, and looked up when it parses.
    let read = |_: &str| -> Result<Vec<u8>, String> { Err("no files here".into()) };
    if let Ok(policy) = ddigest::signature::policy::Policy::parse(data, &read) {
        let r = ddigest::reference::Reference::parse_normalized("reg.example.com:5000/a/b:1").expect("reference");
        let _ = policy.for_reference(&r);
    }
    let root = TrustedRoot::public_good().expect("embedded root");
    let _ = TrustedRoot::parse(data);
    if let Ok(leaf) = Leaf::parse(data) {
        let _ = ddigest::signature::keyless::cert::chain(&leaf, &root, 1_700_000_000, &[data.to_vec()]);
        let _ = sct::verify(&leaf.scts, data, &leaf.precert_tbs, &root);
    }
    let _ = sct::verify(&[data.to_vec()], b"issuer", b"tbs", &root);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = annotated_entry(Some(text));
        let entry = Entry {
            body: b"{}".to_vec(),
            log_id: root.tlogs[0].id.clone(),
            set: Some(vec![0x30, 0x00]),
            proof: Some(Proof { log_index: 0, tree_size: 1, root_hash: vec![0; 32], hashes: vec![], checkpoint: text.to_string() }),
            ..Entry::default()
        };
        assert!(rekor::prove(&entry, &root, true).is_err());
    }
    if let Ok(material) = bundle_material(data) {
        for entry in &material.entries {
            let _ = rekor::prove(entry, &root, material.proof_required);
        }
    }
    let hashes: Vec<Vec<u8>> = data.chunks(32).map(<[u8]>::to_vec).collect();
    let size = data.first().map_or(1, |b| u64::from(*b) + 1);
    let _ = rekor::root_from_path(size / 2, size, [0; 32], &hashes);
    let entry = Entry { body: data.to_vec(), log_id: root.tlogs[0].id.clone(), ..Entry::default() };
    let names = rekor::Names { signature: b"sig", certificate: data, payload_sha256: [0; 32], dsse: data.len() % 2 == 0 };
    let _ = rekor::names(&entry, &names);
    let keyless = Keyless { root, identity: Matcher::Exact(String::new()), issuer: Matcher::Exact(String::new()), require_sct: true };
    let evidence = Evidence {
        certificate: data,
        message: data,
        signature: data,
        payload_sha256: [0; 32],
        dsse: false,
        entry: &entry,
        proof_required: false,
        intermediates: &[],
    };
    assert!(keyless.verify(&evidence).is_err());
});
