//! Dockerfiles and Containerfiles: finds the images of `FROM [--flag=…]
//! IMAGE [AS name]`, `COPY|ADD --from=IMAGE`, `RUN --mount=…,from=IMAGE`
//! and the `# syntax=IMAGE` parser directive, following line
//! continuations (the `# escape=` directive included), comments and
//! heredocs. Build-stage names and `scratch` are skipped; variables are
//! expanded from global `ARG` defaults (`$V`, `${V}`, `${V:-word}`,
//! `${V:+word}`), and a reference that is one variable whose `ARG` default
//! is literal is edited in that `ARG`. Pure: text in, sites out.

mod expand;
mod lexer;

use super::site::{Found, Site};
pub use expand::expand;
use expand::{self_default, unquote, whole_variable};
use lexer::{instructions, Instruction, Word};
use std::collections::HashMap;

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
    if let Some(syntax) = syntax_directive(text) {
        scanner.image(&syntax, false);
    }
    for instruction in instructions(text) {
        scanner.instruction(&instruction);
    }
    scanner.found.sorted()
}

/// The value of a `# syntax=IMAGE` parser directive. As in BuildKit,
/// directives are `# key=value` lines at the very top; the first other
/// line (an instruction, a blank line, any other comment) ends them.
fn syntax_directive(text: &str) -> Option<Word> {
    let mut offset = 0;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let (key, value) = line.trim_start().strip_prefix('#')?.split_once('=')?;
        let key = key.trim();
        let named = key.starts_with(|c: char| c.is_ascii_alphabetic())
            && key.chars().all(|c| c.is_ascii_alphanumeric());
        if !named {
            return None;
        }
        let value = value.trim();
        if key.eq_ignore_ascii_case("syntax") && !value.is_empty() {
            let at = start + (value.as_ptr() as usize - raw.as_ptr() as usize);
            return Some(Word {
                line: index + 1,
                span: at..at + value.len(),
            });
        }
    }
    None
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
            "RUN" => {
                let text = self.text;
                let flags = ins.words[1..]
                    .iter()
                    .take_while(|w| text[w.span.clone()].starts_with("--"));
                for word in flags {
                    self.mount_from(word);
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
        if value.is_empty() || self.is_stage(value) {
            return;
        }
        let start = word.span.end - value.len();
        let image = Word {
            line: word.line,
            span: start..word.span.end,
        };
        self.image(&image, false);
    }

    /// Whether a `--from` names a build stage (by name or index).
    fn is_stage(&self, value: &str) -> bool {
        value.bytes().all(|b| b.is_ascii_digit())
            || self.stages.contains(&value.to_ascii_lowercase())
    }

    /// `RUN --mount=type=…,from=IMAGE,…`: an image unless it names a stage.
    fn mount_from(&mut self, word: &Word) {
        let text = self.text;
        let Some(options) = text[word.span.clone()].strip_prefix("--mount=") else {
            return;
        };
        let mut at = word.span.start + "--mount=".len();
        for field in options.split(',') {
            let start = at;
            at += field.len() + 1;
            let Some(value) = field.strip_prefix("from=") else {
                continue;
            };
            if value.is_empty() || self.is_stage(value) || value.starts_with(['"', '\'']) {
                continue;
            }
            let begin = start + "from=".len();
            let image = Word {
                line: word.line,
                span: begin..begin + value.len(),
            };
            self.image(&image, false);
        }
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
            }) if !raw.contains('$') => Site::reference(at.line, at.span.clone(), raw, image),
            // `ARG X=${X:-image}`: the digest goes into the default.
            Some(Arg {
                own_default: Some(at),
                ..
            }) => Site::reference(at.line, at.span.clone(), self.word(at), image),
            _ => Site::reference(word.line, word.span.clone(), &text, image),
        };
        // An opt-out comment goes above the line that uses the image.
        let mut edit = edit;
        edit.lines = word.line..=word.line;
        self.found.site(edit);
    }
}

#[cfg(test)]
mod tests;
