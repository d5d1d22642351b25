//! Changing a file's text: applying edits to byte ranges (nothing else in
//! the file moves) and the unified diff `--dry-run` prints. Pure.

use std::ops::Range;

/// Lines of context around each change, as `diff -u` gives.
const CONTEXT: usize = 3;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Range<usize>,
    pub text: String,
}

/// `text` with every edit made; edits must not overlap.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut edits: Vec<&Edit> = edits.iter().collect();
    edits.sort_by_key(|e| e.span.start);
    let mut out = String::with_capacity(text.len() + 80 * edits.len());
    let mut at = 0;
    for edit in edits {
        out.push_str(&text[at..edit.span.start]);
        out.push_str(&edit.text);
        at = edit.span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// A unified diff from `old` to `new`, which have the same number of lines
/// (edits never add or remove a line break). Lines keep their own endings,
/// so the diff applies to CRLF files too.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    if old_lines.len() != new_lines.len() {
        return whole_file_diff(path, &old_lines, &new_lines);
    }
    let changed: Vec<usize> = (0..old_lines.len())
        .filter(|&i| old_lines[i] != new_lines[i])
        .collect();
    if changed.is_empty() {
        return String::new();
    }
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    for hunk in hunks(&changed, old_lines.len()) {
        let count = hunk.end - hunk.start;
        let start = hunk.start + 1;
        out.push_str(&format!("@@ -{start},{count} +{start},{count} @@\n"));
        // A run of changed lines shows all its old lines, then all its new.
        let mut i = hunk.start;
        while i < hunk.end {
            let run = (i..hunk.end)
                .take_while(|j| changed.binary_search(j).is_ok())
                .count();
            if run == 0 {
                push_line(&mut out, ' ', old_lines[i]);
                i += 1;
                continue;
            }
            (i..i + run).for_each(|j| push_line(&mut out, '-', old_lines[j]));
            (i..i + run).for_each(|j| push_line(&mut out, '+', new_lines[j]));
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

fn whole_file_diff(path: &str, old: &[&str], new: &[&str]) -> String {
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    out.push_str(&format!("@@ -1,{} +1,{} @@\n", old.len(), new.len()));
    old.iter().for_each(|line| push_line(&mut out, '-', line));
    new.iter().for_each(|line| push_line(&mut out, '+', line));
    out
}

fn push_line(out: &mut String, mark: char, line: &str) {
    out.push(mark);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
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
        assert_eq!(apply(text, &edits), "FROM a:1\nFROM b@x # c\n");
    }

    #[test]
    fn diff_has_context_merged_hunks_and_line_endings() {
        let old: String = (1..=12).map(|i| format!("l{i}\r\n")).collect::<String>() + "last";
        let new = old
            .replace("l2\r", "L2\r")
            .replace("l3\r", "L3\r")
            .replace("l5\r", "L5\r")
            .replace("last", "LAST");
        let diff = unified_diff("f", &old, &new);
        let expected = "--- a/f\n+++ b/f\n@@ -1,8 +1,8 @@\n l1\r\n-l2\r\n-l3\r\n+L2\r\n+L3\r\n l4\r\n-l5\r\n+L5\r\n l6\r\n l7\r\n l8\r\n@@ -10,4 +10,4 @@\n l10\r\n l11\r\n l12\r\n-last\n\\ No newline at end of file\n+LAST\n\\ No newline at end of file\n";
        assert_eq!(diff, expected);
        assert_eq!(unified_diff("f", &old, &old), "");
    }
}
