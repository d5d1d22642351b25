//! `WWW-Authenticate` header parsing (RFC 9110 §11.6.1): one header may
//! carry several challenges, each a scheme followed by `name=value`
//! parameters (token or quoted-string) or a token68. From the challenges it
//! picks what the registry asks for: Bearer with a realm, or Basic. Pure.

use std::fmt;

/// One challenge: a scheme (lowercased) and its parameters (names lowercased).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: Vec<(String, String)>,
}

impl Challenge {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    #[error("empty WWW-Authenticate header")]
    Empty,
    #[error("malformed WWW-Authenticate header: {what} at byte {at}")]
    Malformed { what: &'static str, at: usize },
    #[error("Bearer challenge without a realm")]
    MissingRealm,
    #[error("no supported auth scheme in WWW-Authenticate (offered: {0})")]
    Unsupported(String),
}

/// What the registry wants, chosen from its challenges.
#[derive(Clone, PartialEq, Eq)]
pub enum AuthRequest {
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
    Basic,
}

impl fmt::Debug for AuthRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthRequest::Bearer { realm, service, .. } => {
                write!(f, "Bearer(realm={realm}, service={service:?})")
            }
            AuthRequest::Basic => f.write_str("Basic"),
        }
    }
}

/// Picks Bearer over Basic, as docker does, from a parsed header.
pub fn auth_request(header: &str) -> Result<AuthRequest, ChallengeError> {
    let challenges = parse(header)?;
    if let Some(bearer) = challenges.iter().find(|c| c.scheme == "bearer") {
        let realm = bearer.param("realm").filter(|r| !r.is_empty());
        let realm = realm.ok_or(ChallengeError::MissingRealm)?;
        return Ok(AuthRequest::Bearer {
            realm: realm.to_string(),
            service: bearer.param("service").map(str::to_string),
            scope: bearer.param("scope").map(str::to_string),
        });
    }
    if challenges.iter().any(|c| c.scheme == "basic") {
        return Ok(AuthRequest::Basic);
    }
    let offered: Vec<&str> = challenges.iter().map(|c| c.scheme.as_str()).collect();
    Err(ChallengeError::Unsupported(offered.join(", ")))
}

/// Parses every challenge in a header value.
pub fn parse(header: &str) -> Result<Vec<Challenge>, ChallengeError> {
    let mut p = Parser {
        s: header.as_bytes(),
        i: 0,
    };
    let mut out: Vec<Challenge> = Vec::new();
    loop {
        p.skip_separators();
        if p.at_end() {
            break;
        }
        let scheme = p.token().ok_or(p.malformed("expected an auth scheme"))?;
        let mut challenge = Challenge {
            scheme: scheme.to_ascii_lowercase(),
            params: Vec::new(),
        };
        p.params(&mut challenge)?;
        out.push(challenge);
    }
    if out.is_empty() {
        return Err(ChallengeError::Empty);
    }
    Ok(out)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~/".contains(&b)
}

impl Parser<'_> {
    fn at_end(&self) -> bool {
        self.i >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn malformed(&self, what: &'static str) -> ChallengeError {
        ChallengeError::Malformed { what, at: self.i }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    fn skip_separators(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.i += 1;
        }
    }

    fn token(&mut self) -> Option<String> {
        let start = self.i;
        while self.peek().is_some_and(is_tchar) {
            self.i += 1;
        }
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    /// Reads `name=value` pairs (or one token68) until the next scheme.
    fn params(&mut self, challenge: &mut Challenge) -> Result<(), ChallengeError> {
        loop {
            self.skip_separators();
            let mark = self.i;
            let Some(name) = self.token() else {
                return if self.at_end() {
                    Ok(())
                } else {
                    Err(self.malformed("unexpected character"))
                };
            };
            self.skip_ws();
            if self.peek() != Some(b'=') {
                // A bare token: the next challenge's scheme starts here.
                self.i = mark;
                return Ok(());
            }
            let eq = self.i;
            while self.peek() == Some(b'=') {
                self.i += 1;
            }
            self.skip_ws();
            if self.i - eq > 1 || matches!(self.peek(), None | Some(b',')) {
                // token68 such as `Negotiate abc==`: keep it as a value.
                challenge.params.push((String::new(), name));
                continue;
            }
            let value = self.value()?;
            challenge.params.push((name.to_ascii_lowercase(), value));
        }
    }

    fn value(&mut self) -> Result<String, ChallengeError> {
        if self.peek() != Some(b'"') {
            return self
                .token()
                .ok_or(self.malformed("expected a parameter value"));
        }
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.malformed("unterminated quoted string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                Some(b'\\') => {
                    self.i += 1;
                    let escaped = self.peek().ok_or(self.malformed("dangling backslash"))?;
                    out.push(escaped);
                    self.i += 1;
                }
                Some(b) => {
                    out.push(b);
                    self.i += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_bearer() {
        let h = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/node:pull""#;
        assert_eq!(
            auth_request(h).unwrap(),
            AuthRequest::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/node:pull".into()),
            }
        );
    }

    #[test]
    fn several_challenges_in_one_header() {
        let h = r#"Basic realm="Registry Realm", Bearer realm="https://x/token",service=x , Negotiate abc=="#;
        let cs = parse(h).unwrap();
        assert_eq!(cs.len(), 3);
        assert_eq!(cs[0].scheme, "basic");
        assert_eq!(cs[0].param("realm"), Some("Registry Realm"));
        assert_eq!(cs[1].param("service"), Some("x"));
        assert_eq!(cs[2].scheme, "negotiate");
        assert!(matches!(
            auth_request(h).unwrap(),
            AuthRequest::Bearer { .. }
        ));
    }

    #[test]
    fn basic_only_and_case_insensitive_names() {
        let h = r#"BASIC REALM="basic-realm""#;
        assert_eq!(auth_request(h).unwrap(), AuthRequest::Basic);
        assert_eq!(parse(h).unwrap()[0].param("realm"), Some("basic-realm"));
    }

    #[test]
    fn quoted_strings_with_escapes_and_commas() {
        let cs = parse(r#"Bearer realm="a\"b,c",scope="x y""#).unwrap();
        assert_eq!(cs[0].param("realm"), Some("a\"b,c"));
        assert_eq!(cs[0].param("scope"), Some("x y"));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for h in [
            "",
            "   ",
            "\"",
            "Bearer realm=\"open",
            "Bearer realm=",
            "Bearer \u{1}",
            "=x",
        ] {
            assert!(auth_request(h).is_err(), "{h:?}");
        }
        assert_eq!(
            auth_request("Bearer service=x"),
            Err(ChallengeError::MissingRealm)
        );
        assert!(matches!(
            auth_request("Digest realm=x"),
            Err(ChallengeError::Unsupported(_))
        ));
    }
}
