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

/// A unified diff from `old` to `new`, which have the same number of lines
/// (edits never add or remove a line break). Lines keep their own endings,
/// so the diff applies to CRLF files too.
pub fn unified_diff(path: &str, old: &[u8], new: &[u8]) -> Vec<u8> {
    let old_lines: Vec<&[u8]> = lines(old);
    let new_lines: Vec<&[u8]> = lines(new);
    if old_lines.len() != new_lines.len() {
        return whole_file_diff(path, &old_lines, &new_lines);
    }
    let changed: Vec<usize> = (0..old_lines.len())
        .filter(|&i| old_lines[i] != new_lines[i])
        .collect();
    if changed.is_empty() {
        return Vec::new();
    }
    let mut out = format!("--- a/{path}\n+++ b/{path}\n").into_bytes();
    for hunk in hunks(&changed, old_lines.len()) {
        let count = hunk.end - hunk.start;
        let start = hunk.start + 1;
        out.extend_from_slice(format!("@@ -{start},{count} +{start},{count} @@\n").as_bytes());
        // A run of changed lines shows all its old lines, then all its new.
        let mut i = hunk.start;
        while i < hunk.end {
            let run = (i..hunk.end)
                .take_while(|j| changed.binary_search(j).is_ok())
                .count();
            if run == 0 {
                push_line(&mut out, b' ', old_lines[i]);
                i += 1;
                continue;
            }
            (i..i + run).for_each(|j| push_line(&mut out, b'-', old_lines[j]));
            (i..i + run).for_each(|j| push_line(&mut out, b'+', new_lines[j]));
            i += run;
        }
    }
    out
}

/// Ranges of lines to show: each change with its context, overlapping or
/// touching ranges merged.
fn hunks(changed: &[usize], lines: usize) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    for &i in changed {
        let range = i.saturating_sub(CONTEXT)..(i + CONTEXT + 1).min(lines);
        match out.last_mut() {
            Some(last) if range.start <= last.end => last.end = range.end,
            _ => out.push(range),
        }
    }
    out
}

fn whole_file_diff(path: &str, old: &[&[u8]], new: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("--- a/{path}\n+++ b/{path}\n").into_bytes();
    out.extend_from_slice(format!("@@ -1,{} +1,{} @@\n", old.len(), new.len()).as_bytes());
    old.iter().for_each(|line| push_line(&mut out, b'-', line));
    new.iter().for_each(|line| push_line(&mut out, b'+', line));
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
        let new = old
            .replace("l2\r", "L2\r")
            .replace("l3\r", "L3\r")
            .replace("l5\r", "L5\r")
            .replace("last", "LAST");
        let diff = unified_diff("f", old.as_bytes(), new.as_bytes());
        let expected = "--- a/f\n+++ b/f\n@@ -1,8 +1,8 @@\n l1\r\n-l2\r\n-l3\r\n+L2\r\n+L3\r\n l4\r\n-l5\r\n+L5\r\n l6\r\n l7\r\n l8\r\n@@ -10,4 +10,4 @@\n l10\r\n l11\r\n l12\r\n-last\n\\ No newline at end of file\n+LAST\n\\ No newline at end of file\n";
        assert_eq!(String::from_utf8(diff).unwrap(), expected);
        assert!(unified_diff("f", old.as_bytes(), old.as_bytes()).is_empty());
    }
}
