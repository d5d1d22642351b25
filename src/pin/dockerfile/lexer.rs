//! A Dockerfile's instructions as words with their byte positions: line
//! continuations joined (the `# escape=` directive honoured), comment lines
//! dropped, heredoc bodies skipped. Pure.

use std::ops::Range;

/// A whitespace-separated word of an instruction, by byte offsets.
#[derive(Clone, Debug)]
pub struct Word {
    pub line: usize,
    pub span: Range<usize>,
}

pub struct Instruction {
    pub words: Vec<Word>,
}

/// The escape character from a leading `# escape=` directive (`\` or `` ` ``).
fn escape_char(text: &str) -> char {
    for line in text.lines() {
        let Some(directive) = line.trim().strip_prefix('#') else {
            break;
        };
        let Some((key, value)) = directive.split_once('=') else {
            break;
        };
        if key.trim().eq_ignore_ascii_case("escape") && value.trim() == "`" {
            return '`';
        }
    }
    '\\'
}

/// Physical lines: (1-based number, byte offset, content without line end).
fn physical_lines(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').enumerate().map(move |(i, raw)| {
        let start = offset;
        offset += raw.len();
        let content = raw.strip_suffix('\n').unwrap_or(raw);
        (i + 1, start, content.strip_suffix('\r').unwrap_or(content))
    })
}

/// The instructions of a Dockerfile as words with their positions:
/// continuations joined, comment lines dropped, heredoc bodies skipped.
pub fn instructions(text: &str) -> Vec<Instruction> {
    let escape = escape_char(text);
    let mut out = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut heredocs: Vec<(String, bool)> = Vec::new();
    for (line, start, content) in physical_lines(text) {
        if let Some((delimiter, strip_tabs)) = heredocs.first() {
            let body = if *strip_tabs {
                content.trim_start_matches('\t')
            } else {
                content
            };
            if body == delimiter {
                heredocs.remove(0);
            }
            continue;
        }
        let trimmed = content.trim_start();
        if trimmed.starts_with('#') || (trimmed.is_empty() && !words.is_empty()) {
            continue;
        }
        let body = content.trim_end();
        let (body, continues) = match body.strip_suffix(escape) {
            Some(body) => (body, true),
            None => (body, false),
        };
        words.extend(split_words(body, start, line));
        if !continues && !words.is_empty() {
            heredocs = heredoc_delimiters(text, &words);
            out.push(Instruction {
                words: std::mem::take(&mut words),
            });
        }
    }
    if !words.is_empty() {
        out.push(Instruction { words });
    }
    out
}

fn split_words(body: &str, offset: usize, line: usize) -> Vec<Word> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in body
        .char_indices()
        .chain(std::iter::once((body.len(), ' ')))
    {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                words.push(Word {
                    line,
                    span: offset + s..offset + i,
                });
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    words
}

/// `<<EOF`, `<<-EOF`, `<<"EOF"` words: the delimiters whose bodies follow.
fn heredoc_delimiters(text: &str, words: &[Word]) -> Vec<(String, bool)> {
    words
        .iter()
        .filter_map(|w| {
            let word = text[w.span.clone()].strip_prefix("<<")?;
            let (word, strip_tabs) = match word.strip_prefix('-') {
                Some(rest) => (rest, true),
                None => (word, false),
            };
            let name = word.trim_matches(|c| c == '"' || c == '\'');
            let valid =
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            valid.then(|| (name.to_string(), strip_tabs))
        })
        .collect()
}
