//! Which of a repository's tags `ddigest tags` prints, and in what order:
//! anchored `--include`/`--exclude` patterns (includes first, as regctl
//! has them), digest-shaped tags hidden unless `--all-tags`, `--semver`
//! and `--variant`, then `--sort` and `--latest`. Pure.

use super::version::{self, Range, TagVersion};
use regex::Regex;
use std::cmp::Ordering;

/// `--sort`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Sort {
    /// By the tag's bytes.
    #[default]
    Lexical,
    /// By version (see `--semver`), tags that are no version last, lexically.
    Version,
    /// As the registry listed them.
    Registry,
}

/// What to keep and how to order it.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub include: Vec<Regex>,
    pub exclude: Vec<Regex>,
    pub all_tags: bool,
    pub semver: Option<Range>,
    /// `--variant`: `Some("")` keeps tags with no variant.
    pub variant: Option<String>,
    pub sort: Sort,
    pub latest: Option<usize>,
}

/// A pattern matching whole tags only.
pub fn anchored(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{pattern})$"))
}

/// `sha256-<hex>` (the referrers tag schema) and cosign's `.sig`, `.att`
/// and `.sbom` tags on it.
pub fn digest_shaped(tag: &str) -> bool {
    let Some(rest) = tag
        .strip_prefix("sha256-")
        .or_else(|| tag.strip_prefix("sha512-"))
    else {
        return false;
    };
    let hex = rest.split_once('.').map_or(rest, |(hex, _)| hex);
    let suffix_ok = match rest.split_once('.') {
        None => true,
        Some((_, suffix)) => matches!(suffix, "sig" | "att" | "sbom"),
    };
    hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()) && suffix_ok
}

impl Selection {
    /// Whether `--semver` or `--variant` asks tags to read as versions.
    fn wants_versions(&self) -> bool {
        self.semver.is_some() || self.variant.is_some()
    }

    /// The tags kept, in the order asked for.
    pub fn apply(&self, tags: Vec<String>) -> Vec<String> {
        let mut kept: Vec<(String, Option<TagVersion>)> = tags
            .into_iter()
            .filter(|t| self.passes_patterns(t))
            .map(|t| {
                let v = version::parse(&t);
                (t, v)
            })
            .filter(|(_, v)| self.passes_version(v.as_ref()))
            .collect();
        match self.sort {
            Sort::Registry => {}
            Sort::Lexical => kept.sort_by(|a, b| a.0.cmp(&b.0)),
            Sort::Version => kept.sort_by(by_version),
        }
        if let Some(n) = self.latest {
            let drop = kept.len().saturating_sub(n);
            kept.drain(..drop);
        }
        kept.into_iter().map(|(t, _)| t).collect()
    }

    fn passes_patterns(&self, tag: &str) -> bool {
        if !self.all_tags && digest_shaped(tag) {
            return false;
        }
        let included = self.include.is_empty() || self.include.iter().any(|r| r.is_match(tag));
        included && !self.exclude.iter().any(|r| r.is_match(tag))
    }

    fn passes_version(&self, v: Option<&TagVersion>) -> bool {
        if !self.wants_versions() {
            return true;
        }
        let Some(v) = v else { return false };
        let in_range = self.semver.as_ref().is_none_or(|r| r.matches(v));
        let variant = self.variant.as_ref().is_none_or(|want| *want == v.variant);
        in_range && variant
    }
}

fn by_version(a: &(String, Option<TagVersion>), b: &(String, Option<TagVersion>)) -> Ordering {
    match (&a.1, &b.1) {
        (Some(x), Some(y)) => version::compare(x, y).then_with(|| a.0.cmp(&b.0)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.0.cmp(&b.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn digest_shaped_tags_are_hidden_unless_asked() {
        let sig = format!("sha256-{HEX}.sig");
        let schema = format!("sha256-{HEX}");
        let list = tags(&["1.0", &sig, &schema, "sha256-notes", "x.sig"]);
        let s = Selection::default();
        assert_eq!(
            s.apply(list.clone()),
            tags(&["1.0", "sha256-notes", "x.sig"])
        );
        let all = Selection {
            all_tags: true,
            ..Selection::default()
        };
        assert_eq!(all.apply(list).len(), 5);
        assert!(!digest_shaped(&format!("sha256-{HEX}.tar")));
    }

    #[test]
    fn patterns_are_anchored_and_includes_come_first() {
        let s = Selection {
            include: vec![anchored(r"1\.2.*").unwrap(), anchored("latest").unwrap()],
            exclude: vec![anchored(".*-rc.*").unwrap()],
            ..Selection::default()
        };
        let got = s.apply(tags(&[
            "1.2.0",
            "1.2.1-rc1",
            "11.2",
            "latest",
            "latest2",
            "v1.2",
        ]));
        assert_eq!(got, tags(&["1.2.0", "latest"]));
    }

    #[test]
    fn semver_variant_sort_and_latest() {
        let list = tags(&[
            "20.11.1",
            "20.11.1-alpine",
            "20",
            "latest",
            "21.0.0",
            "20.9-alpine",
            "18",
        ]);
        let s = Selection {
            semver: Some(Range::parse("^20").unwrap()),
            sort: Sort::Version,
            ..Selection::default()
        };
        assert_eq!(
            s.apply(list.clone()),
            tags(&["20", "20.9-alpine", "20.11.1", "20.11.1-alpine"])
        );
        let alpine = Selection {
            variant: Some("alpine".into()),
            latest: Some(1),
            ..s.clone()
        };
        assert_eq!(alpine.apply(list.clone()), tags(&["20.11.1-alpine"]));
        let plain = Selection {
            variant: Some(String::new()),
            ..s.clone()
        };
        assert_eq!(plain.apply(list.clone()), tags(&["20", "20.11.1"]));
        let by_version = Selection {
            sort: Sort::Version,
            ..Selection::default()
        };
        assert_eq!(by_version.apply(list.clone()).last().unwrap(), "latest");
        let served = Selection {
            sort: Sort::Registry,
            latest: Some(2),
            ..Selection::default()
        };
        assert_eq!(served.apply(list.clone()), tags(&["20.9-alpine", "18"]));
        let lexical = Selection::default();
        assert_eq!(lexical.apply(list)[0], "18");
    }
}
