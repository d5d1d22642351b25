//! Platforms (`os/arch[/variant]`): parsing what users type, normalizing
//! the spellings images and users use for the same thing the way containerd
//! does (`aarch64` is `arm64`, `x86_64` is `amd64`, `armhf` is `arm/v7`,
//! `arm64` is `arm64/v8`, a bare `arm` is `arm/v7`), and matching. Matching
//! is containerd's strict rule: equal after normalization, no falling back
//! to an older variant or to `386`, since a pinned digest for another
//! platform than the one asked for would be wrong. Pure: no I/O.

use std::fmt;

/// An operating system, architecture and optional CPU variant.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

/// Why a `--platform` value was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    #[error("platform {0:?} is not OS/ARCH or OS/ARCH/VARIANT (e.g. linux/arm64, linux/arm/v7)")]
    Format(String),
    #[error("platform {0:?} has a part that is not lowercase letters, digits, '_', '-' or '.'")]
    Characters(String),
}

impl Platform {
    pub fn new(os: &str, architecture: &str, variant: Option<&str>) -> Self {
        Platform {
            os: os.to_string(),
            architecture: architecture.to_string(),
            variant: variant.filter(|v| !v.is_empty()).map(str::to_string),
        }
    }

    /// Parses one `os/arch[/variant]` as typed on the command line.
    pub fn parse(s: &str) -> Result<Self, PlatformError> {
        let parts: Vec<&str> = s.trim().split('/').collect();
        if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty()) {
            return Err(PlatformError::Format(s.to_string()));
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
        if parts.iter().any(|p| !p.chars().all(allowed)) {
            return Err(PlatformError::Characters(s.to_string()));
        }
        Ok(Platform::new(parts[0], parts[1], parts.get(2).copied()))
    }

    /// Parses a `--platform` value, which may be a comma list.
    pub fn parse_list(s: &str) -> Result<Vec<Self>, PlatformError> {
        s.split(',').map(Platform::parse).collect()
    }

    /// The canonical spelling containerd compares: lowercase, `aarch64` →
    /// `arm64`, `x86_64` → `amd64`, `armhf` → `arm/v7`, `armel` → `arm/v6`,
    /// bare `arm` → `arm/v7`, `arm64/v8` → `arm64`, `amd64/v1` → `amd64`.
    pub fn normalized(&self) -> Platform {
        let os = match self.os.to_ascii_lowercase().as_str() {
            "macos" => "darwin".to_string(),
            other => other.to_string(),
        };
        let arch = self.architecture.to_ascii_lowercase();
        let variant = self.variant.as_deref().unwrap_or("").to_ascii_lowercase();
        let (arch, variant) = normalize_arch(&arch, &variant);
        Platform::new(&os, arch, Some(variant.as_str()))
    }

    /// Whether an image's platform is this one, both normalized.
    pub fn matches(&self, other: &Platform) -> bool {
        self.normalized() == other.normalized()
    }

    /// `unknown/unknown`: what BuildKit writes on attestation manifests.
    pub fn is_unknown(&self) -> bool {
        self.os == "unknown" && self.architecture == "unknown"
    }
}

fn normalize_arch<'a>(arch: &'a str, variant: &str) -> (&'a str, String) {
    match arch {
        "i386" => ("386", String::new()),
        "x86_64" | "x86-64" | "amd64" => match variant {
            "v1" | "1" => ("amd64", String::new()),
            v if v.chars().all(|c| c.is_ascii_digit()) && !v.is_empty() => {
                ("amd64", format!("v{v}"))
            }
            v => ("amd64", v.to_string()),
        },
        "aarch64" | "arm64" => match variant {
            "" | "8" | "v8" | "v8.0" => ("arm64", String::new()),
            v if v.chars().all(|c| c.is_ascii_digit() || c == '.') => ("arm64", format!("v{v}")),
            v => ("arm64", v.to_string()),
        },
        "armhf" => ("arm", "v7".to_string()),
        "armel" => ("arm", "v6".to_string()),
        "arm" => match variant {
            "" | "7" => ("arm", "v7".to_string()),
            "5" | "6" | "8" => ("arm", format!("v{variant}")),
            v => ("arm", v.to_string()),
        },
        other => (other, variant.to_string()),
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(variant) = &self.variant {
            write!(f, "/{variant}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Platform {
        Platform::parse(s).unwrap()
    }

    #[test]
    fn parses_and_prints() {
        assert_eq!(p("linux/arm/v7"), Platform::new("linux", "arm", Some("v7")));
        assert_eq!(p("linux/amd64").to_string(), "linux/amd64");
        assert_eq!(p(" linux/arm64/v8 ").to_string(), "linux/arm64/v8");
        for bad in ["linux", "linux/", "/amd64", "a/b/c/d", "", "linux//v7"] {
            assert!(
                matches!(Platform::parse(bad), Err(PlatformError::Format(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            Platform::parse("linux/amd 64"),
            Err(PlatformError::Characters(_))
        ));
        let list = Platform::parse_list("linux/amd64,linux/arm64").unwrap();
        assert_eq!(list, vec![p("linux/amd64"), p("linux/arm64")]);
    }

    #[test]
    fn normalizes_like_containerd() {
        let cases = [
            ("linux/aarch64", "linux/arm64"),
            ("linux/arm64/v8", "linux/arm64"),
            ("linux/arm64/8", "linux/arm64"),
            ("linux/x86_64", "linux/amd64"),
            ("linux/x86-64", "linux/amd64"),
            ("linux/amd64/v1", "linux/amd64"),
            ("linux/amd64/3", "linux/amd64/v3"),
            ("linux/armhf", "linux/arm/v7"),
            ("linux/armel", "linux/arm/v6"),
            ("linux/arm", "linux/arm/v7"),
            ("linux/arm/7", "linux/arm/v7"),
            ("linux/arm/6", "linux/arm/v6"),
            ("linux/i386", "linux/386"),
            ("Linux/AMD64", "linux/amd64"),
            ("macos/arm64", "darwin/arm64"),
            ("linux/s390x", "linux/s390x"),
        ];
        for (input, want) in cases {
            assert_eq!(p(input).normalized().to_string(), want, "{input}");
        }
    }

    #[test]
    fn matches_after_normalization_only() {
        assert!(p("linux/arm64").matches(&p("linux/arm64/v8")));
        assert!(p("linux/aarch64").matches(&p("linux/arm64")));
        assert!(p("linux/arm").matches(&p("linux/arm/v7")));
        assert!(p("linux/armhf").matches(&p("linux/arm/v7")));
        assert!(!p("linux/arm/v7").matches(&p("linux/arm/v6")));
        assert!(!p("linux/amd64").matches(&p("linux/386")));
        assert!(!p("linux/amd64").matches(&p("windows/amd64")));
        assert!(!p("linux/arm64").matches(&p("linux/arm/v8")));
    }

    #[test]
    fn unknown_is_attestation_shaped() {
        assert!(Platform::new("unknown", "unknown", None).is_unknown());
        assert!(!p("linux/amd64").is_unknown());
    }
}
