//! Changing a file's bytes: applying edits to byte ranges (nothing else in
//! the file moves, so bytes that are not UTF-8 stay as they were) and the
//! unified diff `--dry-run` prints, byte for byte. Pure.

use std::ops::Range;

/// Lines of context around each change, as `diff -u` gives.
const CONTEXT: usize = 3;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Range<usize>,
    pub text: String,
}

/// `bytes` with every edit made; edits must not overlap.
pub fn apply(bytes: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut edits: Vec<&Edit> = edits.iter().collect();
    edits.sort_by_key(|e| e.span.start);
    let mut out = Vec::with_capacity(bytes.len() + 80 * edits.len());
    let mut at = 0;
    for edit in edits {
        out.extend_from_slice(&bytes[at..edit.span.start]);
        out.extend_from_slice(edit.text.as_bytes());
        at = edit.span.end;
    }
    out.extend_from_slice(&bytes[at..]);
    out
}

/// The unified diff `edits` make to `old`, byte for byte: each run of
/// lines an edit touches shows as its old lines then its new ones (a line
/// inserted at an empty span has no old line), with three lines of
/// context, overlapping hunks merged. Lines keep their own endings, so the
/// diff applies to CRLF files too.
pub fn unified_diff(path: &str, old: &[u8], edits: &[Edit]) -> Vec<u8> {
    let old_lines = lines(old);
    let changes = changes(old, edits);
    if changes.is_empty() {
        return Vec::new();
    }
    let mut out = format!("--- a/{path}\n+++ b/{path}\n").into_bytes();
    let mut shift: isize = 0;
    for hunk in hunks(&changes, old_lines.len()) {
        let group = &changes[hunk.changes.clone()];
        let growth: isize = group.iter().map(Change::growth).sum();
        let old_count = hunk.lines.end - hunk.lines.start;
        let new_start = hunk.lines.start.saturating_add_signed(shift);
        let new_count = old_count.saturating_add_signed(growth);
        let header = format!(
            "@@ -{} +{} @@\n",
            range_text(hunk.lines.start, old_count),
            range_text(new_start, new_count)
        );
        out.extend_from_slice(header.as_bytes());
        let mut at = hunk.lines.start;
        for change in group {
            (at..change.old.start).for_each(|i| push_line(&mut out, b' ', old_lines[i]));
            change
                .old
                .clone()
                .for_each(|i| push_line(&mut out, b'-', old_lines[i]));
            lines(&change.new)
                .iter()
                .for_each(|l| push_line(&mut out, b'+', l));
            at = change.old.end;
        }
        (at..hunk.lines.end).for_each(|i| push_line(&mut out, b' ', old_lines[i]));
        shift += growth;
    }
    out
}

/// `START,COUNT` of a hunk header (0-based start given); an empty range
/// names the line before it, as `diff -u` does.
fn range_text(start: usize, count: usize) -> String {
    match count {
        0 => format!("{start},0"),
        _ => format!("{},{count}", start + 1),
    }
}

/// Old lines (0-based, end exclusive) replaced by new bytes.
struct Change {
    old: Range<usize>,
    new: Vec<u8>,
}

impl Change {
    fn growth(&self) -> isize {
        lines(&self.new).len() as isize - self.old.len() as isize
    }
}

/// The lines each edit touches, edits on shared or adjacent lines taken
/// together (a run of changed lines shows all its old lines, then all its
/// new),
/// with what those lines become.
fn changes(old: &[u8], edits: &[Edit]) -> Vec<Change> {
    let breaks: Vec<usize> = (0..old.len()).filter(|&i| old[i] == b'\n').collect();
    let line_of = |offset: usize| breaks.partition_point(|&b| b < offset);
    let line_start = |line: usize| match line {
        0 => 0,
        n => breaks.get(n - 1).map_or(old.len(), |b| b + 1),
    };
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| e.span.start);
    let mut groups: Vec<(Range<usize>, Vec<Edit>)> = Vec::new();
    for edit in sorted {
        let first = line_of(edit.span.start);
        let at_line_start = edit.span.start == line_start(first);
        let lines = if edit.span.is_empty() && at_line_start {
            first..first
        } else {
            first..line_of(edit.span.end.max(edit.span.start + 1) - 1) + 1
        };
        match groups.last_mut() {
            Some((last, members)) if lines.start <= last.end => {
                last.end = last.end.max(lines.end);
                members.push(edit.clone());
            }
            _ => groups.push((lines, vec![edit.clone()])),
        }
    }
    groups
        .into_iter()
        .map(|(lines, members)| {
            let base = line_start(lines.start);
            let region = &old[base..line_start(lines.end)];
            let local: Vec<Edit> = members
                .into_iter()
                .map(|e| Edit {
                    span: e.span.start - base..e.span.end - base,
                    text: e.text,
                })
                .collect();
            Change {
                old: lines,
                new: apply(region, &local),
            }
        })
        .filter(|c| c.new != old[line_start(c.old.start)..line_start(c.old.end)])
        .collect()
}

/// The old lines a hunk shows and the changes in it.
struct Hunk {
    lines: Range<usize>,
    changes: Range<usize>,
}

/// Each change with its context, hunks that overlap or touch merged.
fn hunks(changes: &[Change], lines: usize) -> Vec<Hunk> {
    let mut out: Vec<Hunk> = Vec::new();
    for (i, change) in changes.iter().enumerate() {
        let range = change.old.start.saturating_sub(CONTEXT)..(change.old.end + CONTEXT).min(lines);
        match out.last_mut() {
            Some(last) if range.start <= last.lines.end => {
                last.lines.end = last.lines.end.max(range.end);
                last.changes.end = i + 1;
            }
            _ => out.push(Hunk {
                lines: range,
                changes: i..i + 1,
            }),
        }
    }
    out
}

/// The lines of `bytes`, each with its own `\n`.
fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|&b| b == b'\n').collect()
}

fn push_line(out: &mut Vec<u8>, mark: u8, line: &[u8]) {
    out.push(mark);
    out.extend_from_slice(line);
    if !line.ends_with(b"\n") {
        out.extend_from_slice(b"\n\\ No newline at end of file\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_touch_only_their_ranges() {
        let text = "FROM a\nFROM b # c\n";
        let edits = [
            Edit {
                span: 12..13,
                text: "b@x".into(),
            },
            Edit {
                span: 5..6,
                text: "a:1".into(),
            },
        ];
        assert_eq!(apply(text.as_bytes(), &edits), b"FROM a:1\nFROM b@x # c\n");
    }

    #[test]
    fn diff_has_context_merged_hunks_and_line_endings() {
        let old: String = (1..=12).map(|i| format!("l{i}\r\n")).collect::<String>() + "last";
        let edit = |from: &str, to: &str| {
            let at = old.find(from).unwrap();
            Edit {
                span: at..at + from.len(),
                text: to.into(),
            }
        };
        let edits = [
            edit("l2", "L2"),
            edit("l3", "L3"),
            edit("l5", "L5"),
            edit("last", "LAST"),
        ];
        let diff = unified_diff("f", old.as_bytes(), &edits);
        let expected = "--- a/f\n+++ b/f\n@@ -1,8 +1,8 @@\n l1\r\n-l2\r\n-l3\r\n+L2\r\n+L3\r\n l4\r\n-l5\r\n+L5\r\n l6\r\n l7\r\n l8\r\n@@ -10,4 +10,4 @@\n l10\r\n l11\r\n l12\r\n-last\n\\ No newline at end of file\n+LAST\n\\ No newline at end of file\n";
        assert_eq!(String::from_utf8(diff).unwrap(), expected);
        assert!(unified_diff("f", old.as_bytes(), &[]).is_empty());
    }

    #[test]
    fn inserted_lines_shift_the_hunks_after_them() {
        let old: String = (1..=12).map(|i| format!("l{i}\n")).collect();
        let at = old.find("l3").unwrap();
        let insert = Edit {
            span: at..at,
            text: "new\n".into(),
        };
        let at = old.find("l11").unwrap();
        let replace = Edit {
            span: at..at + 3,
            text: "L11".into(),
        };
        let diff = unified_diff("f", old.as_bytes(), &[replace, insert]);
        let expected = "--- a/f\n+++ b/f\n@@ -1,5 +1,6 @@\n l1\n l2\n+new\n l3\n l4\n l5\n@@ -8,5 +9,5 @@\n l8\n l9\n l10\n-l11\n+L11\n l12\n";
        assert_eq!(String::from_utf8(diff).unwrap(), expected);
    }
}
