//! Dockerfiles and Containerfiles: finds the images of `FROM [--flag=…]
//! IMAGE [AS name]` and `COPY|ADD --from=IMAGE`, following line
//! continuations (the `# escape=` directive included), comments and
//! heredocs. Build-stage names and `scratch` are skipped; variables are
//! expanded from global `ARG` defaults (`$V`, `${V}`, `${V:-word}`,
//! `${V:+word}`), and a reference that is one variable whose `ARG` default
//! is literal is edited in that `ARG`. Pure: text in, sites out.

use super::site::{Found, Site};
use std::collections::HashMap;
use std::ops::Range;

/// The platform ARGs BuildKit sets itself, per build or target platform.
const BUILDER_ARGS: &[&str] = &[
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
];

/// A whitespace-separated word of an instruction, by byte offsets.
#[derive(Clone, Debug)]
struct Word {
    line: usize,
    span: Range<usize>,
}

struct Instruction {
    words: Vec<Word>,
}

/// A global `ARG`: its default as written and where, and what it expands to.
struct Arg {
    raw: Option<(String, Word)>,
    value: Result<String, String>,
    /// `ARG X=${X:-image}`: where `image` is, to edit it there.
    own_default: Option<Word>,
}

pub fn scan(text: &str) -> Found {
    let mut scanner = Scanner {
        text,
        found: Found::default(),
        globals: HashMap::new(),
        stages: Vec::new(),
        in_stage: false,
    };
    for instruction in instructions(text) {
        scanner.instruction(&instruction);
    }
    scanner.found.sorted()
}

struct Scanner<'a> {
    text: &'a str,
    found: Found,
    globals: HashMap<String, Arg>,
    /// Names of the stages so far, lowercase.
    stages: Vec<String>,
    /// Past the first `FROM`: `ARG`s no longer reach `FROM` lines.
    in_stage: bool,
}

impl Scanner<'_> {
    fn word(&self, word: &Word) -> &str {
        &self.text[word.span.clone()]
    }

    fn instruction(&mut self, ins: &Instruction) {
        let Some(keyword) = ins.words.first() else {
            return;
        };
        let keyword = self.word(keyword).to_ascii_uppercase();
        match keyword.as_str() {
            "ARG" if !self.in_stage => {
                for word in &ins.words[1..] {
                    self.global_arg(word);
                }
            }
            "FROM" => {
                self.in_stage = true;
                self.from(&ins.words[1..]);
            }
            "COPY" | "ADD" => {
                for word in &ins.words[1..] {
                    self.copy_from(word);
                }
            }
            _ => {}
        }
    }

    fn global_arg(&mut self, word: &Word) {
        let text = self.word(word);
        let (name, raw) = match text.split_once('=') {
            Some((name, value)) => {
                let start = word.span.start + name.len() + 1;
                let inner = unquote(value);
                let offset = start + inner.start;
                let span = offset..offset + inner.len();
                let raw = self.text[span.clone()].to_string();
                (
                    name.to_string(),
                    Some((
                        raw,
                        Word {
                            line: word.line,
                            span,
                        },
                    )),
                )
            }
            None => (text.to_string(), None),
        };
        let value = match &raw {
            Some((raw, _)) => expand(raw, &|v| self.lookup(v)),
            None => Err(format!("ARG {name} has no default")),
        };
        let own_default = raw.as_ref().and_then(|(text, at)| {
            let inner = self_default(&name, text)?;
            let start = at.span.start + inner.start;
            Some(Word {
                line: at.line,
                span: start..start + inner.len(),
            })
        });
        self.globals.insert(
            name,
            Arg {
                raw,
                value,
                own_default,
            },
        );
    }

    fn lookup(&self, name: &str) -> Result<String, String> {
        match self.globals.get(name) {
            Some(arg) => arg.value.clone(),
            None if BUILDER_ARGS.contains(&name) => {
                Err(format!("${name} is set by the builder for each platform"))
            }
            None => Err(format!("${name} is not a global ARG")),
        }
    }

    fn from(&mut self, words: &[Word]) {
        let text = self.text;
        let flags = words
            .iter()
            .take_while(|w| text[w.span.clone()].starts_with("--"));
        let rest = &words[flags.count()..];
        let Some(image) = rest.first() else {
            return;
        };
        self.image(image, true);
        if let [_, as_word, name, ..] = rest {
            if self.word(as_word).eq_ignore_ascii_case("as") {
                self.stages.push(self.word(name).to_ascii_lowercase());
            }
        }
    }

    fn copy_from(&mut self, word: &Word) {
        let Some(value) = self.word(word).strip_prefix("--from=") else {
            return;
        };
        let is_stage = value.bytes().all(|b| b.is_ascii_digit())
            || self.stages.contains(&value.to_ascii_lowercase());
        if value.is_empty() || is_stage {
            return;
        }
        let start = word.span.end - value.len();
        let image = Word {
            line: word.line,
            span: start..word.span.end,
        };
        self.image(&image, false);
    }

    /// One image word of `FROM` (variables allowed) or `COPY --from`.
    fn image(&mut self, word: &Word, variables: bool) {
        let text = self.word(word).to_string();
        if text.contains('$') && !variables {
            let reason = "variables in --from are left to the builder";
            self.found.skip(word.line, &text, reason);
            return;
        }
        let image = match expand(&text, &|v| self.lookup(v)) {
            Ok(image) => image,
            Err(why) => return self.found.skip(word.line, &text, why),
        };
        let lower = image.to_ascii_lowercase();
        if lower == "scratch" {
            return self.found.skip(word.line, &text, "scratch is no image");
        }
        if self.stages.contains(&lower) {
            let reason = format!("{image} is an earlier build stage");
            return self.found.skip(word.line, &text, reason);
        }
        // `FROM $BASE` with `ARG BASE=node:14`: the image lives in the ARG.
        let edit = match whole_variable(&text).and_then(|v| self.globals.get(v)) {
            Some(Arg {
                raw: Some((raw, at)),
                ..
            }) if !raw.contains('$') => Site {
                line: at.line,
                span: at.span.clone(),
                text: raw.clone(),
                image,
            },
            // `ARG X=${X:-image}`: the digest goes into the default.
            Some(Arg {
                own_default: Some(at),
                ..
            }) => Site {
                line: at.line,
                span: at.span.clone(),
                text: self.word(at).to_string(),
                image,
            },
            _ => Site {
                line: word.line,
                span: word.span.clone(),
                text,
                image,
            },
        };
        self.found.site(edit);
    }
}

/// The byte range inside matching quotes, or the whole value.
fn unquote(value: &str) -> Range<usize> {
    let bytes = value.as_bytes();
    match bytes {
        [q @ (b'"' | b'\''), .., last] if bytes.len() >= 2 && last == q => 1..value.len() - 1,
        _ => 0..value.len(),
    }
}

/// `V` when `text` is exactly `$V` or `${V}`.
fn whole_variable(text: &str) -> Option<&str> {
    let name = match text.strip_prefix("${") {
        Some(rest) => rest.strip_suffix('}')?,
        None => text.strip_prefix('$')?,
    };
    let valid = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    valid.then_some(name)
}

/// Expands `$V`, `${V}`, `${V:-word}` and `${V:+word}` (also without the
/// colon) as BuildKit's shell lexer does, quotes included: `'…'` is taken
/// literally, `"…"` expands variables, and the quote characters themselves
/// are removed (`${REF:-"gcr.io/x/y:1"}` is `gcr.io/x/y:1`). An error says
/// which variable has no value.
pub fn expand(
    text: &str,
    lookup: &dyn Fn(&str) -> Result<String, String>,
) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    let mut double = false;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        match c {
            '\'' if !double => {
                let end = rest
                    .find('\'')
                    .ok_or_else(|| format!("unclosed ' in {text}"))?;
                out.push_str(&rest[..end]);
                rest = &rest[end + 1..];
            }
            '"' => double = !double,
            '$' => rest = variable(rest, text, lookup, &mut out)?,
            c => out.push(c),
        }
    }
    if double {
        return Err(format!("unclosed \" in {text}"));
    }
    Ok(out)
}

/// Expands the variable after a `$` into `out`; returns what follows it.
fn variable<'t>(
    rest: &'t str,
    text: &str,
    lookup: &dyn Fn(&str) -> Result<String, String>,
    out: &mut String,
) -> Result<&'t str, String> {
    if let Some(braced) = rest.strip_prefix('{') {
        let end = closing_brace(braced).ok_or_else(|| format!("unclosed ${{ in {text}"))?;
        out.push_str(&substitute(&braced[..end], lookup)?);
        return Ok(&braced[end + 1..]);
    }
    let len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    if len == 0 {
        out.push('$');
        return Ok(rest);
    }
    out.push_str(&lookup(&rest[..len])?);
    Ok(&rest[len..])
}

/// The `}` that closes a `${`, past nested `${…}` and quoted text.
fn closing_brace(braced: &str) -> Option<usize> {
    let (mut depth, mut quote) = (0usize, None);
    for (i, c) in braced.char_indices() {
        match (c, quote) {
            ('\'' | '"', None) => quote = Some(c),
            (c, Some(q)) if c == q => quote = None,
            (_, Some(_)) => {}
            ('{', None) => depth += 1,
            ('}', None) if depth == 0 => return Some(i),
            ('}', None) => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The inside of `${…}`; the word of `:-` and `:+` is expanded in turn.
fn substitute(
    inner: &str,
    lookup: &dyn Fn(&str) -> Result<String, String>,
) -> Result<String, String> {
    let name_len = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let (name, modifier) = inner.split_at(name_len);
    let modifier = modifier.strip_prefix(':').unwrap_or(modifier);
    let value = lookup(name).ok().filter(|v| !v.is_empty());
    match (modifier.chars().next(), value) {
        (None, _) => lookup(name),
        (Some('-'), Some(v)) => Ok(v),
        (Some('-'), None) => expand(&modifier[1..], lookup),
        (Some('+'), Some(_)) => expand(&modifier[1..], lookup),
        (Some('+'), None) => Ok(String::new()),
        _ => Err(format!(
            "${{{inner}}} is a substitution ddigest does not expand"
        )),
    }
}

/// For `ARG NAME=${NAME:-word}` (a default the build may override): where
/// `word` is within the value, quotes left out, when it is literal.
fn self_default(name: &str, raw: &str) -> Option<Range<usize>> {
    let inner = raw.strip_prefix("${")?.strip_suffix('}')?;
    let rest = inner.strip_prefix(name)?;
    let word_at = if rest.starts_with(":-") {
        2
    } else if rest.starts_with('-') {
        1
    } else {
        return None;
    };
    let word = &rest[word_at..];
    let quoted = unquote(word);
    let literal = &word[quoted.clone()];
    if literal.is_empty() || literal.contains(['$', '"', '\'', '}']) {
        return None;
    }
    let offset = 2 + name.len() + word_at + quoted.start;
    Some(offset..offset + literal.len())
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
fn instructions(text: &str) -> Vec<Instruction> {
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

#[cfg(test)]
mod tests;
