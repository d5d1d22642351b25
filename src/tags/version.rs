//! Tags read as versions, the way image publishers write them: an optional
//! `v`, one to three numbers (`20`, `20.11`, `20.11.1`), a pre-release
//! glued on (`3.15.0a2`, `1.22rc1`), and after the first `-` a variant kept
//! apart (`-alpine`, `-slim-bookworm`, `-alpine3.22`), as Renovate's docker
//! versioning reads them. Ranges are Cargo's (`^20`, `>=1.25, <1.27`, by
//! the `semver` crate), with npm's `||` between alternatives. Pure.

use semver::{Prerelease, Version, VersionReq};
use std::cmp::Ordering;

/// A tag that reads as a version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagVersion {
    /// Missing numbers are 0: `20` is 20.0.0.
    pub version: Version,
    /// How many numbers the tag wrote (1 to 3): `20` sorts before `20.0.0`.
    pub parts: u8,
    /// What follows the first `-`; empty for none.
    pub variant: String,
}

/// Reads `tag` as a version; `None` for `latest`, `alpine`, `tip-2025…`.
pub fn parse(tag: &str) -> Option<TagVersion> {
    let (core, variant) = match tag.split_once('-') {
        Some((core, variant)) if !variant.is_empty() => (core, variant),
        Some(_) => return None,
        None => (tag, ""),
    };
    let core = core.strip_prefix('v').unwrap_or(core);
    // The numbers, then a pre-release glued to the last of them.
    let split = core
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(core.len());
    let (numbers, pre) = core.split_at(split);
    let pre = pre.strip_prefix('.').unwrap_or(pre);
    let fields: Vec<&str> = numbers.split('.').collect();
    if fields.is_empty() || fields.len() > 3 || (!pre.is_empty() && numbers.ends_with('.')) {
        return None;
    }
    let mut n = [0u64; 3];
    for (slot, field) in n.iter_mut().zip(&fields) {
        if field.is_empty() || field.len() > 18 {
            return None;
        }
        *slot = field.parse().ok()?;
    }
    let mut version = Version::new(n[0], n[1], n[2]);
    if !pre.is_empty() {
        let ok = pre.starts_with(|c: char| c.is_ascii_alphabetic())
            && pre.chars().all(|c| c.is_ascii_alphanumeric() || c == '.');
        if !ok {
            return None;
        }
        version.pre = Prerelease::new(pre).ok()?;
    }
    Some(TagVersion {
        version,
        parts: fields.len() as u8,
        variant: variant.to_string(),
    })
}

/// `--semver RANGE`: alternatives split by `||`, any one matching.
#[derive(Clone, Debug)]
pub struct Range(Vec<VersionReq>);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid version range {range:?}: {why}")]
pub struct RangeError {
    pub range: String,
    pub why: String,
}

impl Range {
    pub fn parse(text: &str) -> Result<Range, RangeError> {
        let fail = |why: String| RangeError {
            range: text.to_string(),
            why,
        };
        let alternatives = text
            .split("||")
            .map(|part| VersionReq::parse(part.trim()).map_err(|e| fail(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Range(alternatives))
    }

    /// Whether the version is in range (pre-releases only when an
    /// alternative names that version's pre-release, as Cargo has it).
    pub fn matches(&self, version: &TagVersion) -> bool {
        self.0.iter().any(|req| req.matches(&version.version))
    }
}

/// Version order: the version, then fewer numbers first, then the variant
/// (none first).
pub fn compare(a: &TagVersion, b: &TagVersion) -> Ordering {
    a.version
        .cmp(&b.version)
        .then(a.parts.cmp(&b.parts))
        .then_with(|| a.variant.cmp(&b.variant))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(tag: &str) -> TagVersion {
        parse(tag).unwrap_or_else(|| panic!("{tag} should read as a version"))
    }

    #[test]
    fn publishers_tags_read_as_versions() {
        let t = v("20.11.1-alpine3.19");
        assert_eq!(
            (t.version.to_string(), t.parts, t.variant.as_str()),
            ("20.11.1".into(), 3, "alpine3.19")
        );
        assert_eq!(v("20").version, Version::new(20, 0, 0));
        assert_eq!(v("20").parts, 1);
        assert_eq!(v("v1.2").version, Version::new(1, 2, 0));
        assert_eq!(v("3.15.0a2-slim-trixie").version.to_string(), "3.15.0-a2");
        assert_eq!(v("3.15.0a2-slim-trixie").variant, "slim-trixie");
        assert_eq!(v("1.22rc1").version.to_string(), "1.22.0-rc1");
        assert_eq!(v("2024.01.15").version, Version::new(2024, 1, 15));
        for not in [
            "latest",
            "alpine",
            "tip-20251026",
            "carbon-alpine",
            "chakracore-8.11.1",
            "1.2.3.4",
            "1..2",
            "1.",
            "20-",
            "v",
            "",
            "1.2.3-",
            "sha256-abc",
            "3.15-rc-x.y",
        ] {
            let got = parse(not);
            // `3.15-rc-x.y` is 3.15 with the variant `rc-x.y`; everything else is no version.
            if not == "3.15-rc-x.y" {
                assert_eq!(got.unwrap().variant, "rc-x.y");
            } else {
                assert!(got.is_none(), "{not}: {got:?}");
            }
        }
    }

    #[test]
    fn ranges_are_cargos_with_alternatives() {
        let r = Range::parse("^20").unwrap();
        assert!(r.matches(&v("20.11.1")) && r.matches(&v("20")) && !r.matches(&v("21.0.0")));
        let r = Range::parse(">=1.25, <1.27").unwrap();
        assert!(
            r.matches(&v("1.25")) && r.matches(&v("1.26.3-alpine")) && !r.matches(&v("1.27.0"))
        );
        let r = Range::parse("^1.20 || ^3").unwrap();
        assert!(r.matches(&v("1.21.1")) && r.matches(&v("3.2")) && !r.matches(&v("2.0")));
        // Pre-releases only where the range names one.
        assert!(!Range::parse("^3.15").unwrap().matches(&v("3.15.0a2")));
        assert!(Range::parse(">=3.15.0-a1").unwrap().matches(&v("3.15.0a2")));
        assert!(Range::parse("not a range").is_err());
    }

    #[test]
    fn order_is_version_then_precision_then_variant() {
        let mut tags = [
            "20.11.1-alpine",
            "20.11.1",
            "20",
            "20.11",
            "3.15.0a2",
            "3.14.0",
            "20.2",
        ];
        tags.sort_by(|a, b| compare(&v(a), &v(b)));
        assert_eq!(
            tags,
            [
                "3.14.0",
                "3.15.0a2",
                "20",
                "20.2",
                "20.11",
                "20.11.1",
                "20.11.1-alpine"
            ]
        );
    }
}
