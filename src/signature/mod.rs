//! `--key`: only digests their publisher signed. The keys given (`key`),
//! what a signature must sign (`payload`), and finding and checking the
//! signatures of a digest in the registry (`verify`): cosign's `.sig` tag
//! and Sigstore bundles among the digest's referrers. A digest with no
//! signature at all is `unsigned`; one whose signatures are all invalid
//! for it and these keys is `bad_signature`.

pub mod key;
pub mod keyless;
pub mod payload;
mod verify;

pub use verify::verify;

use crate::exit::ErrorCode;
use key::{KeyError, PublicKey};
use std::path::Path;

/// A `--key` as given on the command line, and the key read from it.
#[derive(Clone, Debug)]
pub struct NamedKey {
    pub given: String,
    pub key: PublicKey,
}

/// The keys of a run, and whether `-v` is on.
#[derive(Clone, Debug, Default)]
pub struct Verifier {
    pub keys: Vec<NamedKey>,
    pub verbose: bool,
}

/// A `--key` file that cannot be used: which one, and why.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("--key {0}: cannot read it: {1}")]
    Read(String, std::io::Error),
    #[error("--key {0}: {1}")]
    Key(String, KeyError),
}

impl Verifier {
    /// Reads every key file; the first that cannot be used is the error.
    pub fn load(paths: &[impl AsRef<Path>], verbose: bool) -> Result<Verifier, LoadError> {
        let mut keys = Vec::new();
        for path in paths {
            let path = path.as_ref();
            let given = path.display().to_string();
            let bytes = std::fs::read(path).map_err(|e| LoadError::Read(given.clone(), e))?;
            let key = PublicKey::from_pem(&bytes).map_err(|e| LoadError::Key(given.clone(), e))?;
            keys.push(NamedKey { given, key });
        }
        Ok(Verifier { keys, verbose })
    }

    /// No `--key`: nothing is checked and nothing extra is asked.
    pub fn is_off(&self) -> bool {
        self.keys.is_empty()
    }

    /// The first key whose signature over `message` this is.
    fn signer(&self, message: &[u8], signature: &[u8]) -> Option<&NamedKey> {
        self.keys
            .iter()
            .find(|k| k.key.verifies(message, signature))
    }

    fn keys_text(&self) -> String {
        let names: Vec<&str> = self.keys.iter().map(|k| k.given.as_str()).collect();
        match names.as_slice() {
            [one] => format!("the key {one}"),
            _ => format!("the keys {}", names.join(", ")),
        }
    }
}

/// A digest that is not validly signed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("unsigned: no cosign signature for {digests} (no signature layer under its .sig tag, no signature bundle among its referrers)")]
    Unsigned { digests: String },
    #[error("bad signature: {found} signature{} for {digests}, none valid for {keys} ({why})", if *.found == 1 { "" } else { "s" })]
    Bad {
        digests: String,
        found: usize,
        keys: String,
        why: String,
    },
}

impl SignatureError {
    pub fn code(&self) -> ErrorCode {
        match self {
            SignatureError::Unsigned { .. } => ErrorCode::Unsigned,
            SignatureError::Bad { .. } => ErrorCode::BadSignature,
        }
    }
}
