//! Opt-outs: a reference is left out (never pinned, checked, counted or
//! even resolved) when the comment `ddigest: ignore` is the last thing on
//! one of its lines or is alone on the line above it. Each format says
//! which comments it has: YAML `#`, HCL `#` and `//`, JSON with comments
//! `//`; in Dockerfiles and Quadlet units a `#` only starts a comment at
//! the start of a line, so only the line-above form exists there. Pure.

use super::site::{Found, Skip};
use std::ops::RangeInclusive;

const MARKER: &str = "ddigest: ignore";

/// The comments a format has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comments {
    /// `#` after a blank or at the start of a line (YAML).
    Hash,
    /// `#` or `//` (HCL).
    HashOrSlashes,
    /// `//` (JSON with comments).
    Slashes,
    /// Whole-line `#` comments only (Dockerfile, Quadlet).
    WholeLineHash,
    /// None at all (plain JSON).
    None,
}

/// `found` less the sites and skips opted out.
pub fn remove_ignored(text: &str, found: Found, comments: Comments) -> Found {
    if comments == Comments::None || !text.contains(MARKER) {
        return found;
    }
    let lines: Vec<&str> = text.lines().collect();
    let ignored = |range: RangeInclusive<usize>| opted_out(&lines, range, comments);
    let Found { sites, skips } = found;
    let sites: Vec<_> = sites
        .into_iter()
        .filter(|s| !ignored(s.lines.clone()))
        .collect();
    let skips: Vec<Skip> = skips
        .into_iter()
        .filter(|s| !ignored(s.line..=s.line))
        .collect();
    Found { sites, skips }
}

/// Whether the lines (1-based) carry the marker.
fn opted_out(lines: &[&str], range: RangeInclusive<usize>, comments: Comments) -> bool {
    let above = range.start().checked_sub(2).and_then(|i| lines.get(i));
    if above.is_some_and(|line| alone(line, comments)) {
        return true;
    }
    if comments == Comments::WholeLineHash {
        return false;
    }
    range
        .filter_map(|n| lines.get(n.wrapping_sub(1)))
        .any(|line| ends_with_marker(line, comments))
}

/// A line holding only the marker comment.
fn alone(line: &str, comments: Comments) -> bool {
    let line = line.trim();
    let body = match comments {
        Comments::Hash | Comments::WholeLineHash => line.strip_prefix('#'),
        Comments::Slashes => line.strip_prefix("//"),
        Comments::HashOrSlashes => line.strip_prefix('#').or(line.strip_prefix("//")),
        Comments::None => None,
    };
    body.is_some_and(|b| b.trim() == MARKER)
}

/// A line whose last thing is the marker comment.
fn ends_with_marker(line: &str, comments: Comments) -> bool {
    let Some(before) = line.trim_end().strip_suffix(MARKER) else {
        return false;
    };
    let before = before.trim_end();
    let hash = || {
        before
            .strip_suffix('#')
            .is_some_and(|b| b.is_empty() || b.ends_with([' ', '\t']))
    };
    let slashes = || before.ends_with("//");
    match comments {
        Comments::Hash => hash(),
        Comments::HashOrSlashes => hash() || slashes(),
        Comments::Slashes => slashes(),
        Comments::WholeLineHash | Comments::None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pin::site::Site;

    fn found(lines: &[usize]) -> Found {
        let mut found = Found::default();
        for &line in lines {
            let mut site = Site::reference(line, line..line + 1, "a", "a".into());
            site.lines = line..=line + 1;
            found.site(site);
        }
        found
    }

    /// What is left, and how many were removed.
    fn remove(text: &str, lines: &[usize], comments: Comments) -> (Found, usize) {
        let kept = remove_ignored(text, found(lines), comments);
        let removed = lines.len() - kept.sites.len();
        (kept, removed)
    }

    #[test]
    fn inline_and_line_above() {
        let text = "a: x # ddigest: ignore\nb: y\n# ddigest: ignore\nc: z\nd: w\ne: '# ddigest: ignore'\nf: v\n";
        let (kept, removed) = remove(text, &[1, 4, 6], Comments::Hash);
        let lines: Vec<usize> = kept.sites.iter().map(|s| s.line).collect();
        assert_eq!((lines, removed), (vec![6], 2));
        let (kept, removed) = remove(text, &[1, 4], Comments::WholeLineHash);
        assert_eq!((kept.sites.len(), removed), (1, 1));
        let text = "x = \"a\" // ddigest: ignore\n";
        let (_, removed) = remove(text, &[1], Comments::HashOrSlashes);
        assert_eq!(removed, 1);
        let (_, removed) = remove(text, &[1], Comments::Hash);
        assert_eq!(removed, 0);
    }
}
