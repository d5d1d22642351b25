//! What the file scanners report: a `Site` is one image reference in a file
//! (where the characters to edit are, how a digest is written there, what
//! the reference says with variables expanded), a `Skip` is a reference
//! deliberately left alone with the reason, and `pinned_text` is the one
//! rule for rewriting a reference's characters. One edit model serves
//! every kind of file: a replacement of a span (the reference, or a
//! digest written apart from it) or text, such as a line, inserted at an
//! empty span.

use crate::digest::Digest;
use std::ops::{Range, RangeInclusive};

/// One image reference found in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// 1-based line of the characters to edit.
    pub line: usize,
    /// Byte range of those characters in the file.
    pub span: Range<usize>,
    /// The characters as written (may hold `${VAR}`).
    pub text: String,
    /// What they mean, variables expanded: the reference to resolve.
    pub image: String,
    /// How a digest is written at the span.
    pub form: Form,
    /// The lines the reference is written on (a Helm map's or kustomize
    /// entry's first to last), where a `ddigest: ignore` comment counts.
    pub lines: RangeInclusive<usize>,
}

/// How a site's span takes a digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Form {
    /// The span holds a reference (or a tag): `@digest` is appended to it
    /// or replaces the one there (`pinned_text`).
    Reference,
    /// The span holds the digest alone, or nothing yet (`digest: ""`).
    Digest,
    /// No digest is written yet: the span is empty and `before` the
    /// digest `after` is inserted there (a kustomize entry's new `digest:`
    /// line, or the value of an empty plain `digest:`).
    Insert { before: String, after: String },
}

impl Site {
    /// A reference written as one run of characters at `span`.
    pub fn reference(line: usize, span: Range<usize>, text: &str, image: String) -> Site {
        Site {
            line,
            span,
            text: text.to_string(),
            image,
            form: Form::Reference,
            lines: line..=line,
        }
    }

    /// What the span's characters become when pinned to `digest`; `None`
    /// when the digest part is not literal text.
    pub fn pinned(&self, has_tag: bool, digest: &Digest) -> Option<String> {
        match &self.form {
            Form::Reference => pinned_text(&self.text, has_tag, digest),
            Form::Digest => Some(digest.to_string()),
            Form::Insert { before, after } => Some(format!("{before}{digest}{after}")),
        }
    }
}

/// A reference ddigest found and leaves alone, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    pub line: usize,
    pub text: String,
    pub reason: String,
    /// Left alone on purpose (variables, build stages, `scratch`,
    /// images built locally); otherwise ddigest could not edit it.
    pub by_design: bool,
}

/// Everything one file holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Found {
    pub sites: Vec<Site>,
    pub skips: Vec<Skip>,
}

impl Found {
    /// Adds a site unless one with the same span is already there (two
    /// `FROM $BASE` lines share their `ARG BASE=…`).
    pub fn site(&mut self, site: Site) {
        if !self.sites.iter().any(|s| s.span == site.span) {
            self.sites.push(site);
        }
    }

    /// A reference left alone on purpose.
    pub fn skip(&mut self, line: usize, text: &str, reason: impl Into<String>) {
        self.push_skip(line, text, reason.into(), true);
    }

    /// A reference ddigest would pin but cannot edit in place.
    pub fn unpinnable(&mut self, line: usize, text: &str, reason: impl Into<String>) {
        self.push_skip(line, text, reason.into(), false);
    }

    fn push_skip(&mut self, line: usize, text: &str, reason: String, by_design: bool) {
        let skip = Skip {
            line,
            text: text.to_string(),
            reason,
            by_design,
        };
        // An anchored value merged into several places is said once.
        if !self.skips.contains(&skip) {
            self.skips.push(skip);
        }
    }

    /// A quoted string (JSON, HCL) whose value after `prefix` is an image:
    /// `value` is what the quotes hold and `span` where; `variable` and
    /// `escaped` say whether it holds a template or escapes, which leave
    /// it alone (the first by design, the second as not editable).
    pub fn quoted_image(
        &mut self,
        text: &str,
        value: &str,
        span: &Range<usize>,
        prefix: &str,
        variable: bool,
        escaped: bool,
    ) {
        let Some(image) = value.strip_prefix(prefix).filter(|i| !i.is_empty()) else {
            return;
        };
        let line = line_of(text, span.start);
        if variable {
            return self.skip(line, image, "holds a variable or template expression");
        }
        if escaped {
            let reason = "is written with escapes, which ddigest does not edit";
            return self.unpinnable(line, image, reason);
        }
        let span = span.start + prefix.len()..span.end;
        self.site(Site::reference(line, span, image, image.to_string()));
    }

    /// Sites and skips in file order.
    pub fn sorted(mut self) -> Self {
        self.sites.sort_by_key(|s| s.span.start);
        self.skips.sort_by_key(|s| s.line);
        self
    }
}

/// The characters `text` become when pinned to `digest`: an existing
/// `@digest` is replaced, otherwise `@digest` is appended, after `:latest`
/// when the reference names no tag (so the tag stays known for `--update`).
/// `None` when the digest part is not literal text.
pub fn pinned_text(text: &str, has_tag: bool, digest: &Digest) -> Option<String> {
    match text.rfind('@') {
        Some(at) if text[at..].contains('$') => None,
        Some(at) => Some(format!("{}@{digest}", &text[..at])),
        None if has_tag => Some(format!("{text}@{digest}")),
        None => Some(format!("{text}:latest@{digest}")),
    }
}

/// For tests: each site's line and text, once its span is seen to hold it.
#[cfg(test)]
pub fn checked_sites(text: &str, found: Found) -> Vec<(usize, String)> {
    for site in &found.sites {
        assert_eq!(&text[site.span.clone()], site.text, "{site:?}");
    }
    found.sites.into_iter().map(|s| (s.line, s.text)).collect()
}

/// 1-based line number of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0649946c6107e35401ce940e5e6e8d700b034a0ee55293350e4db6d0793d74f9";

    #[test]
    fn pins_append_or_replace_the_digest() {
        let d = Digest::parse(&format!("sha256:{HEX}")).unwrap();
        let old = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
        assert_eq!(
            pinned_text("node:14", true, &d).unwrap(),
            format!("node:14@sha256:{HEX}")
        );
        assert_eq!(
            pinned_text("node", false, &d).unwrap(),
            format!("node:latest@sha256:{HEX}")
        );
        assert_eq!(
            pinned_text(&format!("node:${{V}}@{old}"), true, &d).unwrap(),
            format!("node:${{V}}@sha256:{HEX}")
        );
        assert_eq!(pinned_text("node@${DIGEST}", false, &d), None);
    }

    #[test]
    fn lines_count_from_one() {
        assert_eq!(line_of("a\nb\r\nc", 0), 1);
        assert_eq!(line_of("a\nb\r\nc", 2), 2);
        assert_eq!(line_of("a\nb\r\nc", 5), 3);
    }
}
