//! Whether an image's platform is the one asked for, and which of several
//! that are comes first: containerd's strict matcher (`NewMatcher`, as
//! `OnlyStrict` uses it). OS, architecture and variant equal after
//! normalization; the image's OS features a subset of those asked for; for
//! Windows, the image's `os.version` one the requested host version can run
//! (containerd's LTSC compatibility rule) and its `win32k` feature ignored.

use super::Platform;
use std::cmp::Ordering;

/// Windows Server 2022 (LTSC 2022), the first stable-ABI release.
const LTSC2022: u16 = 20348;
/// The stable-ABI releases, ascending: Windows Server 2022 and 2025.
const COMPAT_LTSC_RELEASES: [u16; 2] = [LTSC2022, 26100];

impl Platform {
    /// Whether `image` (an index entry's or a config's platform) is this
    /// requested platform.
    pub fn matches(&self, image: &Platform) -> bool {
        let wanted = self.normalized();
        let mut image = image.clone();
        if wanted.os == "windows" {
            image.os_features.retain(|f| f != "win32k");
        }
        let image = image.normalized();
        wanted.os == image.os
            && wanted.architecture == image.architecture
            && wanted.variant == image.variant
            && wanted.os_version_runs(image.os_version.as_deref())
            && image
                .os_features
                .iter()
                .all(|f| wanted.os_features.contains(f))
    }

    /// For Windows, whether a host of the requested version runs an image
    /// of `image_version`; an unset or unreadable version on either side
    /// matches. Other systems' versions are not compared.
    fn os_version_runs(&self, image_version: Option<&str>) -> bool {
        if self.os != "windows" {
            return true;
        }
        let host = windows_version(self.os_version.as_deref().unwrap_or(""));
        match image_version {
            Some(v) if host != WindowsVersion::default() => {
                windows_compatible(host, windows_version(v))
            }
            _ => true,
        }
    }

    /// Of two matching image platforms, which to prefer (`Less` first): for
    /// Windows asked with a host version, the newer `os.version`
    /// (containerd's Windows comparer); for Windows without one, neither,
    /// so the first in index order wins, as containerd picks on a host that
    /// is not Windows; else the one naming more OS features (containerd's
    /// ordered comparer).
    pub fn preference(&self, a: &Platform, b: &Platform) -> Ordering {
        if self.normalized().os == "windows" {
            if self.os_version.as_deref().is_none_or(str::is_empty) {
                return Ordering::Equal;
            }
            let version = |p: &Platform| version_key(p.os_version.as_deref().unwrap_or(""));
            return version(b).cmp(&version(a));
        }
        b.os_features.len().cmp(&a.os_features.len())
    }
}

/// A Windows version as containerd reads `major.minor.build[.revision]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WindowsVersion {
    pub major: u8,
    pub minor: u8,
    pub build: u16,
}

/// Reads `major.minor.build[...]`; all zero when it is not that.
pub fn windows_version(s: &str) -> WindowsVersion {
    let mut parts = s.splitn(4, '.');
    let (Some(major), Some(minor), Some(build)) = (parts.next(), parts.next(), parts.next()) else {
        return WindowsVersion::default();
    };
    let number = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if ![major, minor, build].iter().all(|p| number(p)) {
        return WindowsVersion::default();
    }
    match (major.parse(), minor.parse(), build.parse()) {
        (Ok(major), Ok(minor), Ok(build)) => WindowsVersion {
            major,
            minor,
            build,
        },
        _ => WindowsVersion::default(),
    }
}

/// containerd's `checkWindowsHostAndContainerCompat`: before Windows
/// Server 2022 the builds must be equal; from it on, a host runs images
/// from the latest stable-ABI release before it up to its own build.
pub fn windows_compatible(host: WindowsVersion, image: WindowsVersion) -> bool {
    if (host.major, host.minor) != (image.major, image.minor) {
        return false;
    }
    if host.build < LTSC2022 {
        return host.build == image.build;
    }
    let oldest = COMPAT_LTSC_RELEASES
        .iter()
        .rev()
        .find(|&&release| host.build > release)
        .copied()
        .unwrap_or(LTSC2022);
    (oldest..=host.build).contains(&image.build)
}

/// Orders versions by their numeric dot-separated parts (containerd
/// compares the strings; the two agree on versions of equal digit counts).
fn version_key(v: &str) -> Vec<(u64, String)> {
    v.split('.')
        .map(|p| (p.parse().unwrap_or(0), p.to_string()))
        .collect()
}
