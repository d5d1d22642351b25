//! Helm values: a map with `repository` and `tag` (and perhaps `registry`
//! and `digest`) at any depth is the image `[registry/]repository:tag`; the
//! digest goes into its `digest` key when it has one, else after the tag,
//! inside the `tag` value. A map without a tag (none, `tag: ""`, or a
//! `version` key instead) is the chart's appVersion's business and is
//! skipped with a note. A string is an image only under a key named
//! `image`, and not when that map also holds `registry`, `tag` or `digest`
//! (then the string is one part of an image spelled in several keys).
//! Anchored maps are pinned once, where the anchor stands.

use super::events::Style;
use super::spans::scalar_span;
use super::{scalar, variable_reason, Node, Scanner};
use crate::pin::site::{line_of, Form, Site};
use std::ops::RangeInclusive;

/// A scalar's text; `None` for YAML's null (`null`, `~` or nothing,
/// unquoted), which in Helm values means "not set here": a chart's
/// `tag: null` leaves the tag to its appVersion, `registry: null` to the
/// global registry.
fn non_null(node: &Node) -> Option<&str> {
    match node {
        Node::Scalar {
            value,
            style: Style::Plain,
            ..
        } if matches!(value.as_str(), "null" | "Null" | "NULL" | "~" | "") => None,
        _ => scalar(node),
    }
}

impl<'a> Scanner<'a> {
    pub(super) fn helm(&mut self, node: &'a Node) {
        match node {
            Node::Map(pairs) => {
                // `repository: ""` or a URL (a git repository to clone)
                // makes no image map: its children are walked instead.
                let repository = self.get(node, "repository").map(|r| self.resolve(r));
                let names_image = repository
                    .and_then(non_null)
                    .is_some_and(|r| !r.is_empty() && !r.contains("://"));
                if names_image {
                    return self.helm_map(node);
                }
                let beside = ["registry", "tag", "digest"];
                let alone = !beside.iter().any(|k| self.get(node, k).is_some());
                for (key, value) in pairs {
                    let is_string = matches!(self.resolve(value), Node::Scalar { .. });
                    if scalar(key) == Some("image") && is_string {
                        if alone {
                            self.image(Some(value), "");
                        }
                    } else {
                        self.helm(value);
                    }
                }
            }
            Node::Seq(items) => items.iter().for_each(|item| self.helm(item)),
            _ => {}
        }
    }

    fn helm_map(&mut self, map: &'a Node) {
        let text_of = |key: &str| {
            let node = self.get(map, key).map(|n| self.resolve(n));
            node.and_then(non_null)
        };
        let Some(repository) = text_of("repository") else {
            return;
        };
        let repository_at = self.get(map, "repository").map_or(0, |n| self.start(n));
        let line = line_of(self.text, repository_at);
        let Some(tag) = text_of("tag").filter(|t| !t.is_empty()) else {
            let why = match text_of("version") {
                Some(_) => "a version: key, not a tag: the chart decides the tag",
                None => "no tag: the chart's appVersion decides it",
            };
            return self.found.skip(line, repository, why);
        };
        let name = match text_of("registry").filter(|r| !r.is_empty()) {
            Some(registry) => format!("{registry}/{repository}"),
            None => repository.to_string(),
        };
        let image = format!("{name}:{tag}");
        if let Some(reason) = variable_reason(&image) {
            return self.found.skip(line, &image, reason);
        }
        let lines = self.lines(map);
        match self.get(map, "digest") {
            Some(_) => self.digest_site(map, &image, lines),
            None => self.tag_site(self.get(map, "tag"), &image, lines),
        }
    }

    /// The digest written after the tag, inside the `tag` value.
    pub(super) fn tag_site(
        &mut self,
        tag: Option<&'a Node>,
        image: &str,
        lines: RangeInclusive<usize>,
    ) {
        let Some(Node::Scalar {
            value, style, at, ..
        }) = tag.map(|t| self.resolve(t))
        else {
            return;
        };
        let line = line_of(self.text, *at);
        let Some(span) = scalar_span(self.text, *at, *style, value) else {
            let reason = "its tag is written in a way ddigest cannot edit in place";
            return self.found.unpinnable(line, image, reason);
        };
        let mut site = Site::reference(line, span, value, image.to_string());
        site.lines = lines;
        self.found.site(site);
    }

    /// The digest written in the map's `digest` key: its value replaced,
    /// or written after `digest:` when the key has no value yet.
    pub(super) fn digest_site(&mut self, map: &'a Node, image: &str, lines: RangeInclusive<usize>) {
        let Node::Map(pairs) = self.resolve(map) else {
            return;
        };
        let Some((key, value)) = pairs.iter().find(|(k, _)| scalar(k) == Some("digest")) else {
            let reason = "its digest: comes from a merge, which ddigest does not edit";
            return self.found.unpinnable(*lines.start(), image, reason);
        };
        let (
            Node::Scalar { at: key_at, .. },
            Node::Scalar {
                value: digest,
                style,
                at,
                ..
            },
        ) = (key, value)
        else {
            return;
        };
        // `digest:`, `digest: ""` and `digest: null` (or `~`) hold none yet.
        let plain = *style == Style::Plain;
        let null = plain && matches!(digest.as_str(), "null" | "Null" | "NULL" | "~");
        let pinned = match digest.as_str() {
            _ if null => image.to_string(),
            "" => image.to_string(),
            digest => format!("{image}@{digest}"),
        };
        let (span, form) = match scalar_span(self.text, *at, *style, digest) {
            Some(span) if !(digest.is_empty() && plain) => (span, Form::Digest),
            _ if digest.is_empty() => match self.after_colon(*key_at + "digest".len()) {
                Some((at, before)) => (
                    at..at,
                    Form::Insert {
                        before,
                        after: String::new(),
                    },
                ),
                None => return,
            },
            _ => {
                let line = line_of(self.text, *at);
                let reason = "its digest is written in a way ddigest cannot edit in place";
                return self.found.unpinnable(line, &pinned, reason);
            }
        };
        let line = line_of(self.text, *key_at);
        self.found.site(Site {
            line,
            text: self.text[span.clone()].to_string(),
            span,
            image: pinned,
            form,
            lines,
        });
    }

    /// Where a value goes after the key ending at `key_end`: just past
    /// `: ` (or past `:` with a blank written before the value).
    fn after_colon(&self, key_end: usize) -> Option<(usize, String)> {
        let rest = self.text.get(key_end..)?;
        let rest = rest.strip_prefix(':')?;
        match rest.starts_with(' ') {
            true => Some((key_end + 2, String::new())),
            false => Some((key_end + 1, " ".to_string())),
        }
    }

    /// Where a node's first character is.
    pub(super) fn start(&self, node: &'a Node) -> usize {
        self.offsets(node).map_or(0, |(start, _)| start)
    }

    /// Just past a node's last character.
    pub(super) fn end_of(&self, node: &'a Node) -> usize {
        self.offsets(node).map_or(0, |(_, end)| end)
    }

    /// The lines (1-based, inclusive) a node's characters are on.
    pub(super) fn lines(&self, node: &'a Node) -> RangeInclusive<usize> {
        let (start, end) = self.offsets(node).unwrap_or((0, 0));
        line_of(self.text, start)..=line_of(self.text, end.saturating_sub(1).max(start))
    }

    /// The first and just-past-last offsets of a node's own scalars
    /// (aliases are not counted).
    fn offsets(&self, node: &'a Node) -> Option<(usize, usize)> {
        match node {
            Node::Scalar { at, end, .. } => Some((*at, *end)),
            Node::Map(pairs) => {
                let all = pairs.iter().flat_map(|(k, v)| [k, v]);
                self.span_of(all)
            }
            Node::Seq(items) => self.span_of(items.iter()),
            _ => None,
        }
    }

    fn span_of(&self, nodes: impl Iterator<Item = &'a Node>) -> Option<(usize, usize)> {
        nodes
            .filter_map(|n| self.offsets(n))
            .reduce(|(a, b), (c, d)| (a.min(c), b.max(d)))
    }
}
