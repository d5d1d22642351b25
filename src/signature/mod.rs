//! `--key`: only digests their publisher signed. The keys given (`key`),
//! what a signature must sign (`payload`), and finding and checking the
//! signatures of a digest in the registry (`verify`): cosign's `.sig` tag
//! and Sigstore bundles among the digest's referrers. A digest with no
//! signature at all is `unsigned`; one whose signatures are all invalid
//! for it and these keys is `bad_signature`.

mod enforce;
pub mod key;
pub mod keyless;
pub mod payload;
pub mod policy;
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

/// The keys of a run, the keyless identity asked for, and whether `-v`
/// is on.
#[derive(Clone, Debug, Default)]
pub struct Verifier {
    pub keys: Vec<NamedKey>,
    pub keyless: Option<keyless::Keyless>,
    /// `--policy`: replaces `--key` and the keyless flags.
    pub policy: Option<policy::Policy>,
    pub verbose: bool,
}

/// What vouched for a digest: a `--key` (as given), or a keyless
/// signature's verified signer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Vouched {
    Key(String),
    Keyless(keyless::Signer),
    /// `--policy`: the scope whose requirements held, and whether one of
    /// them checked a signature (not so for `insecureAcceptAnything`).
    Policy {
        scope: String,
        signed: bool,
    },
}

/// A `--key` file that cannot be used: which one, and why.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("--key {0}: cannot read it: {1}")]
    Read(String, std::io::Error),
    #[error("--key {0}: {1}")]
    Key(String, KeyError),
    #[error("{0}")]
    Usage(String),
    #[error("--trusted-root {0}: {1}")]
    Root(String, String),
    #[error("--policy {0}: {1}")]
    Policy(String, String),
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
        Ok(Verifier {
            keys,
            keyless: None,
            policy: None,
            verbose,
        })
    }

    /// Reads `--key` files and the keyless flags of a command.
    pub fn from_args(args: &crate::cli::Keys, verbose: bool) -> Result<Verifier, LoadError> {
        let mut verifier = Self::load(&args.paths, verbose)?;
        verifier.keyless = load_keyless(args)?;
        if let Some(path) = &args.policy {
            let shown = path.display().to_string();
            let policy =
                policy::Policy::load(path).map_err(|e| LoadError::Policy(shown, e.to_string()))?;
            verifier.policy = Some(policy);
        }
        Ok(verifier)
    }

    /// No `--key` and no keyless identity: nothing is checked and nothing
    /// extra is asked.
    pub fn is_off(&self) -> bool {
        self.keys.is_empty() && self.keyless.is_none() && self.policy.is_none()
    }

    /// The first key whose signature over `message` this is.
    fn signer(&self, message: &[u8], signature: &[u8]) -> Option<&NamedKey> {
        self.keys
            .iter()
            .find(|k| k.key.verifies(message, signature))
    }

    fn keys_text(&self) -> String {
        let names: Vec<&str> = self.keys.iter().map(|k| k.given.as_str()).collect();
        let keys = match names.as_slice() {
            [] => None,
            [one] => Some(format!("the key {one}")),
            _ => Some(format!("the keys {}", names.join(", "))),
        };
        let keyless = self
            .keyless
            .as_ref()
            .map(|k| format!("the keyless identity {}", k.describe()));
        match (keys, keyless) {
            (Some(k), Some(i)) => format!("{k} or {i}"),
            (Some(one), None) | (None, Some(one)) => one,
            (None, None) => "no key".into(),
        }
    }
}

/// The keyless flags: an identity and an issuer (each exact or a
/// regexp), both or neither, and the trusted root they are checked
/// against.
fn load_keyless(args: &crate::cli::Keys) -> Result<Option<keyless::Keyless>, LoadError> {
    use keyless::Matcher;
    let matcher = |exact: &Option<String>, re: &Option<String>, flag: &str| match (exact, re) {
        (Some(text), _) => Ok(Some(Matcher::Exact(text.clone()))),
        (None, Some(re)) => regex::Regex::new(re)
            .map(|re| Some(Matcher::Regex(re)))
            .map_err(|e| LoadError::Usage(format!("--{flag}-regexp: {e}"))),
        (None, None) => Ok(None),
    };
    let identity = matcher(
        &args.certificate_identity,
        &args.certificate_identity_regexp,
        "certificate-identity",
    )?;
    let issuer = matcher(
        &args.certificate_oidc_issuer,
        &args.certificate_oidc_issuer_regexp,
        "certificate-oidc-issuer",
    )?;
    let (identity, issuer) = match (identity, issuer) {
        (Some(identity), Some(issuer)) => (identity, issuer),
        (None, None) if args.trusted_root.is_none() => return Ok(None),
        (None, None) => return Err(LoadError::Usage("--trusted-root is for keyless verification: give --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp] with it".into())),
        (Some(_), None) => return Err(LoadError::Usage("--certificate-identity[-regexp] needs --certificate-oidc-issuer[-regexp]: an identity means nothing without the issuer that vouched for it".into())),
        (None, Some(_)) => return Err(LoadError::Usage("--certificate-oidc-issuer[-regexp] needs --certificate-identity[-regexp]: which of that issuer's identities?".into())),
    };
    let root = match &args.trusted_root {
        Some(path) => {
            let shown = path.display().to_string();
            let bytes = std::fs::read(path)
                .map_err(|e| LoadError::Root(shown.clone(), format!("cannot read it: {e}")))?;
            keyless::root::TrustedRoot::parse(&bytes)
                .map_err(|e| LoadError::Root(shown, e.to_string()))?
        }
        None => keyless::root::TrustedRoot::public_good()
            .map_err(|e| LoadError::Root("(embedded)".into(), e.to_string()))?,
    };
    Ok(Some(keyless::Keyless {
        root,
        identity,
        issuer,
        require_sct: true,
    }))
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
    #[error("rejected: the policy's scope {scope} rejects it")]
    Rejected { scope: String },
    #[error(
        "unsupported: the policy's scope {scope} requires {what}, which ddigest does not check"
    )]
    Unsupported { scope: String, what: String },
}

impl SignatureError {
    pub fn code(&self) -> ErrorCode {
        match self {
            SignatureError::Unsigned { .. } => ErrorCode::Unsigned,
            SignatureError::Bad { .. } => ErrorCode::BadSignature,
            SignatureError::Rejected { .. } => ErrorCode::Rejected,
            SignatureError::Unsupported { .. } => ErrorCode::Unsupported,
        }
    }
}
