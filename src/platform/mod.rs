//! Platforms (`os[(version+features)]/arch[/variant]`): parsing what users
//! type, normalizing the spellings images and users use for the same thing,
//! printing, and (in `matcher`) matching, all as containerd's `platforms`
//! package does: `Parse`, `Normalize`, `FormatAll` and the strict matcher
//! behind `OnlyStrict`. `aarch64` is `arm64`, `x86_64` is `amd64`, `armhf`
//! is `arm/v7`, `arm64/v8` is `arm64`, `arm64/9.0` is `arm64/v9`, a bare
//! `arm` is `arm/v7`. Matching is strict: no falling back to an older
//! variant or to `386`, since a pinned digest for another platform than the
//! one asked for would be wrong. Pure: no I/O.

mod matcher;
mod os_option;

pub use matcher::{windows_compatible, windows_version, WindowsVersion};

use std::fmt;

/// An operating system (with an optional version and features), an
/// architecture and an optional CPU variant, as an OCI descriptor's
/// `platform` or an image config carries them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
    /// `os.version` (Windows build numbers such as `10.0.20348.2113`).
    pub os_version: Option<String>,
    /// `os.features` (e.g. `win32k`), in the order given.
    pub os_features: Vec<String>,
}

/// Why a `--platform` value was refused (the value itself is not
/// repeated: whoever shows the error shows it once).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    #[error(
        "not OS/ARCH or OS/ARCH/VARIANT (e.g. linux/arm64, linux/arm/v7, windows(10.0.20348)/amd64)"
    )]
    Format,
    #[error("the OS part is not NAME, NAME(VERSION) or NAME(VERSION+FEATURE…) with letters, digits, '_' and '-' in NAME")]
    Os,
    #[error("a part is not letters, digits, '_', '-' or '.'")]
    Characters,
    #[error("wildcards are not supported")]
    Wildcard,
    #[error("{0}")]
    OsOption(&'static str),
}

impl Platform {
    pub fn new(os: &str, architecture: &str, variant: Option<&str>) -> Self {
        Platform {
            os: os.to_string(),
            architecture: architecture.to_string(),
            variant: variant.filter(|v| !v.is_empty()).map(str::to_string),
            os_version: None,
            os_features: Vec::new(),
        }
    }

    /// Adds `os.version` and `os.features` (empty values dropped).
    pub fn with_os(mut self, version: Option<&str>, features: &[String]) -> Self {
        self.os_version = version.filter(|v| !v.is_empty()).map(str::to_string);
        self.os_features = features.to_vec();
        self
    }

    /// Parses one specifier as containerd's `platforms.Parse` does in its
    /// `OS/ARCH[/VARIANT]` forms: the OS may carry `(VERSION+FEATURE…)`,
    /// the OS is lowercased, the architecture normalized, a two-part `arm`
    /// loses its implied `v7` and a three-part `arm64` gains `v8`. A lone
    /// OS or architecture (which containerd completes from the host) is
    /// refused: ddigest names images for other machines than its own.
    pub fn parse(s: &str) -> Result<Self, PlatformError> {
        if s.contains('*') {
            return Err(PlatformError::Wildcard);
        }
        let parts: Vec<&str> = s.splitn(4, '/').collect();
        let (name, version, features) = os_option::split_os(parts[0]).ok_or(PlatformError::Os)?;
        let component = |p: &&str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        };
        if !parts[1..].iter().all(component) {
            return Err(PlatformError::Characters);
        }
        let os_version = os_option::decode(version).map_err(PlatformError::OsOption)?;
        let os_features = os_option::parse_features(features).map_err(PlatformError::OsOption)?;
        let (architecture, variant) = match parts.len() {
            2 => match normalize_arch(parts[1], "") {
                (arch, v) if arch == "arm" && v == "v7" => (arch, String::new()),
                other => other,
            },
            3 => match normalize_arch(parts[1], parts[2]) {
                (arch, v) if arch == "arm64" && v.is_empty() => (arch, "v8".to_string()),
                other => other,
            },
            _ => return Err(PlatformError::Format),
        };
        Ok(
            Platform::new(&normalize_os(name), &architecture, Some(&variant))
                .with_os(Some(&os_version), &os_features),
        )
    }

    /// containerd's `Normalize`: the OS lowercased (`macos` → `darwin`),
    /// the architecture and variant by containerd's table, the features
    /// sorted without duplicates; the OS version kept as it is.
    pub fn normalized(&self) -> Platform {
        let variant = self.variant.as_deref().unwrap_or("");
        let (arch, variant) = normalize_arch(&self.architecture, variant);
        let mut features = self.os_features.clone();
        features.sort();
        features.dedup();
        Platform::new(&normalize_os(&self.os), &arch, Some(&variant))
            .with_os(self.os_version.as_deref(), &features)
    }

    /// `unknown/unknown`: what BuildKit writes on attestation manifests.
    pub fn is_unknown(&self) -> bool {
        self.os == "unknown" && self.architecture == "unknown"
    }
}

/// containerd's `normalizeOS`, for a non-empty OS.
fn normalize_os(os: &str) -> String {
    match os.to_ascii_lowercase().as_str() {
        "macos" => "darwin".to_string(),
        other => other.to_string(),
    }
}

/// containerd's `normalizeArch`: exactly the spellings its table knows;
/// any other variant is only lowercased.
pub fn normalize_arch(arch: &str, variant: &str) -> (String, String) {
    let (arch, variant) = (arch.to_ascii_lowercase(), variant.to_ascii_lowercase());
    let (arch, variant): (&str, &str) = match (arch.as_str(), variant.as_str()) {
        ("i386", _) => ("386", ""),
        ("x86_64" | "x86-64" | "amd64", "v1") => ("amd64", ""),
        ("x86_64" | "x86-64" | "amd64", v) => ("amd64", v),
        ("aarch64" | "arm64", "8" | "v8" | "v8.0") => ("arm64", ""),
        ("aarch64" | "arm64", "9" | "9.0" | "v9.0") => ("arm64", "v9"),
        ("aarch64" | "arm64", v) => ("arm64", v),
        ("armhf", _) => ("arm", "v7"),
        ("armel", _) => ("arm", "v6"),
        ("arm", "" | "7") => ("arm", "v7"),
        ("arm", "5") => ("arm", "v5"),
        ("arm", "6") => ("arm", "v6"),
        ("arm", "8") => ("arm", "v8"),
        (a, v) => return (a.to_string(), v.to_string()),
    };
    (arch.to_string(), variant.to_string())
}

/// containerd's `FormatAll`: `os[(version+features)]/arch[/variant]`, the
/// version and features escaped where they hold `%+()/`, features sorted.
impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.os.is_empty() {
            return f.write_str("unknown");
        }
        f.write_str(&self.os)?;
        let version = os_option::encode(self.os_version.as_deref().unwrap_or(""));
        let features = os_option::format_features(&self.os_features);
        if !version.is_empty() || !features.is_empty() {
            write!(f, "({version}")?;
            if !features.is_empty() {
                write!(f, "+{features}")?;
            }
            f.write_str(")")?;
        }
        if !self.architecture.is_empty() {
            write!(f, "/{}", self.architecture)?;
        }
        if let Some(variant) = &self.variant {
            write!(f, "/{variant}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
