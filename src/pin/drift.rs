//! What moved when a pinned list or index drifted: its platforms `added`,
//! `removed`, `changed` (another digest) and `unchanged`, attestations
//! left out, each platform written normalized; for a platform's pin, that
//! platform. Says it as the short tail of `check`'s line. Pure.

use crate::image::Entry;
use crate::platform::Platform;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Drift {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    pub unchanged: Vec<String>,
}

/// The runnable entries of an index as (platform, digest), platforms
/// normalized; entries without a platform are named `unknown`.
fn platforms(entries: &[Entry]) -> Vec<(String, String)> {
    entries
        .iter()
        .filter(|e| !e.is_attestation())
        .map(|e| {
            let platform = e
                .platform
                .as_ref()
                .map_or("unknown".into(), |p| p.normalized().to_string());
            (platform, e.digest.to_string())
        })
        .collect()
}

impl Drift {
    /// How the index `new` differs from the pinned `old`, platform by platform.
    pub fn between(old: &[Entry], new: &[Entry]) -> Drift {
        let (old, new) = (platforms(old), platforms(new));
        let mut drift = Drift::default();
        for (platform, digest) in &new {
            match old.iter().find(|(p, _)| p == platform) {
                None => drift.added.push(platform.clone()),
                Some((_, was)) if was == digest => drift.unchanged.push(platform.clone()),
                Some(_) => drift.changed.push(platform.clone()),
            }
        }
        for (platform, _) in &old {
            if !new.iter().any(|(p, _)| p == platform) {
                drift.removed.push(platform.clone());
            }
        }
        drift
    }

    /// A platform's pin that moved.
    pub fn platform(platform: &Platform) -> Drift {
        Drift {
            changed: vec![platform.normalized().to_string()],
            ..Drift::default()
        }
    }

    /// `linux/amd64 changed; linux/s390x added; 2 unchanged`.
    pub fn tail(&self) -> String {
        let mut parts = Vec::new();
        for (names, what) in [
            (&self.changed, "changed"),
            (&self.added, "added"),
            (&self.removed, "removed"),
        ] {
            if !names.is_empty() {
                parts.push(format!("{} {what}", names.join(", ")));
            }
        }
        if !self.unchanged.is_empty() {
            parts.push(format!("{} unchanged", self.unchanged.len()));
        }
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Digest;
    use std::collections::BTreeMap;

    fn entry(platform: &str, content: &str) -> Entry {
        let mut parts = platform.split('/');
        let (os, arch) = (parts.next().unwrap(), parts.next().unwrap());
        Entry {
            digest: Digest::sha256_of(content.as_bytes()),
            media_type: crate::media_type::OCI_MANIFEST.into(),
            size: 1,
            platform: Some(Platform::new(os, arch, parts.next())),
            annotations: BTreeMap::new(),
        }
    }

    #[test]
    fn platforms_added_removed_changed_and_unchanged() {
        let old = [
            entry("linux/amd64", "a1"),
            entry("linux/arm64", "b1"),
            entry("linux/arm/v7", "c1"),
            entry("linux/386", "d1"),
        ];
        let new = [
            entry("linux/amd64", "a2"),
            entry("linux/arm64", "b1"),
            entry("linux/arm/v7", "c1"),
            entry("linux/s390x", "e1"),
            entry("unknown/unknown", "att"),
        ];
        let drift = Drift::between(&old, &new);
        assert_eq!(drift.changed, ["linux/amd64"]);
        assert_eq!(drift.added, ["linux/s390x"]);
        assert_eq!(drift.removed, ["linux/386"]);
        assert_eq!(drift.unchanged, ["linux/arm64", "linux/arm/v7"]);
        assert_eq!(
            drift.tail(),
            "linux/amd64 changed; linux/s390x added; linux/386 removed; 2 unchanged"
        );
        let one = Drift::platform(&Platform::new("linux", "arm64", None));
        assert_eq!(one.tail(), "linux/arm64 changed");
    }
}
