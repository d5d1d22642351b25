//! Content digests (`algorithm:hex`): parsing with go-digest's rules and
//! hashing of exact bytes. This is the only place that knows which hash
//! algorithms ddigest supports (sha256 and sha512, the two the OCI image
//! spec registers) and how long their hex encodings are. No I/O.

use sha2::{Digest as _, Sha256, Sha512};
use std::fmt;

/// A hash algorithm ddigest can compute and verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Sha256,
    Sha512,
}

impl Algorithm {
    /// Name as it appears before the `:` in a digest string.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// Number of hex characters in an encoded digest of this algorithm.
    pub fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha512 => 128,
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "sha256" => Some(Algorithm::Sha256),
            "sha512" => Some(Algorithm::Sha512),
            _ => None,
        }
    }

    /// Hash `bytes` with this algorithm.
    pub fn hash(self, bytes: &[u8]) -> Digest {
        let hex = match self {
            Algorithm::Sha256 => hex::encode(Sha256::digest(bytes)),
            Algorithm::Sha512 => hex::encode(Sha512::digest(bytes)),
        };
        Digest {
            algorithm: self,
            hex,
        }
    }
}

/// Why a string is not a digest ddigest accepts. The variants mirror
/// go-digest's sentinel errors so the conformance vectors can compare them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    #[error("invalid digest format")]
    InvalidFormat,
    #[error("invalid digest length: {algorithm} needs {expected} hex characters, got {got}")]
    InvalidLength {
        algorithm: &'static str,
        expected: usize,
        got: usize,
    },
    #[error("unsupported digest algorithm {0:?} (supported: sha256, sha512)")]
    Unsupported(String),
}

/// A validated digest: a supported algorithm and its lowercase hex encoding.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Digest {
    algorithm: Algorithm,
    hex: String,
}

impl Digest {
    /// Parses `algorithm:hex` following go-digest's `Digest.Validate`.
    pub fn parse(s: &str) -> Result<Self, DigestError> {
        let (alg, encoded) = match s.find(':') {
            Some(i) if i > 0 && i + 1 < s.len() => (&s[..i], &s[i + 1..]),
            _ => return Err(DigestError::InvalidFormat),
        };
        let Some(algorithm) = Algorithm::from_name(alg) else {
            return Err(if is_digest_shaped(alg, encoded) {
                DigestError::Unsupported(alg.to_string())
            } else {
                DigestError::InvalidFormat
            });
        };
        if encoded.len() != algorithm.hex_len() {
            return Err(DigestError::InvalidLength {
                algorithm: algorithm.name(),
                expected: algorithm.hex_len(),
                got: encoded.len(),
            });
        }
        if !encoded
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(DigestError::InvalidFormat);
        }
        Ok(Digest {
            algorithm,
            hex: encoded.to_string(),
        })
    }

    /// The sha256 digest of `bytes`, the canonical digest of a manifest.
    pub fn sha256_of(bytes: &[u8]) -> Self {
        Algorithm::Sha256.hash(bytes)
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// Whether `bytes` hash to this digest under its own algorithm.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        self.algorithm.hash(bytes) == *self
    }
}

/// go-digest's `DigestRegexp`: `[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+`.
/// Used only to tell an unknown algorithm from a malformed string.
fn is_digest_shaped(alg: &str, encoded: &str) -> bool {
    let alg_ok = alg.split(['.', '+', '_', '-']).all(|part| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    let enc_ok = encoded
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'));
    alg_ok && enc_ok
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.name(), self.hex)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl std::str::FromStr for Digest {
    type Err = DigestError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Digest::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_empty_is_known() {
        assert_eq!(
            Digest::sha256_of(b"").to_string(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn sha512_round_trips_and_verifies() {
        let d = Algorithm::Sha512.hash(b"hello world");
        let parsed = Digest::parse(&d.to_string()).unwrap();
        assert_eq!(parsed, d);
        assert!(parsed.matches(b"hello world"));
        assert!(!parsed.matches(b"hello world\n"));
    }

    #[test]
    fn length_is_checked_before_characters() {
        let err = Digest::parse("sha256:d41d8cd98f00b204e9800m98ecf8427e").unwrap_err();
        assert!(matches!(err, DigestError::InvalidLength { got: 32, .. }));
    }

    #[test]
    fn uppercase_hex_is_rejected() {
        let upper = format!("sha256:{}", "E".repeat(64));
        assert_eq!(Digest::parse(&upper), Err(DigestError::InvalidFormat));
    }
}
