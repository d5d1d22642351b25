//! JSON files: a dev container's `image` (`.devcontainer.json`,
//! `.devcontainer/[*/]devcontainer.json`, read as JSON with comments and
//! trailing commas, as the dev containers spec allows; `features` keys are
//! not images) and docker-bake.json's `target.*.contexts` values
//! `docker-image://REF`, the prefix kept. Strings are edited between their
//! quotes, comments and everything else left as they are. Pure.

use super::site::{line_of, Found};
use std::ops::Range;

/// Nesting deeper than this is not a file ddigest edits.
const MAX_DEPTH: usize = 128;

/// What the JSON scanner looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rules {
    DevContainer,
    Bake,
}

/// A JSON value with where its strings are.
#[derive(Debug)]
enum Value {
    /// A string's value and the span between its quotes; `escaped` when
    /// the source differs from the value.
    Str {
        value: String,
        span: Range<usize>,
        escaped: bool,
    },
    Object(Vec<(String, Value)>),
    Array,
    Other,
}

/// The images in `text`; an error says what is not JSON and where.
pub fn scan(text: &str, rules: Rules) -> Result<Found, String> {
    let mut reader = Reader { text, at: 0 };
    let root = reader.value(0)?;
    reader.blank()?;
    if reader.at < text.len() {
        return Err(reader.error("text after the end of the JSON value"));
    }
    let mut found = Found::default();
    match rules {
        Rules::DevContainer => image(text, field(&root, "image"), "", &mut found),
        Rules::Bake => {
            let targets = field(&root, "target").map(fields).unwrap_or_default();
            for (_, target) in targets {
                let contexts = field(target, "contexts").map(fields).unwrap_or_default();
                for (_, context) in contexts {
                    image(text, Some(context), "docker-image://", &mut found);
                }
            }
        }
    }
    Ok(found.sorted())
}

fn field<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    fields(value)
        .into_iter()
        .rev()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

fn fields(value: &Value) -> Vec<(&str, &Value)> {
    match value {
        Value::Object(pairs) => pairs.iter().map(|(k, v)| (k.as_str(), v)).collect(),
        _ => Vec::new(),
    }
}

/// Records the string `value` (after `prefix`) as an image, or says why not.
fn image(text: &str, value: Option<&Value>, prefix: &str, found: &mut Found) {
    if let Some(Value::Str {
        value,
        span,
        escaped,
    }) = value
    {
        let variable = value.contains('$') || value.contains("{{");
        found.quoted_image(text, value, span, prefix, variable, *escaped);
    }
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl Reader<'_> {
    fn error(&self, what: &str) -> String {
        format!("{what} at line {}", line_of(self.text, self.at))
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    /// Skips blanks and comments (`//` to the line's end, `/* … */`).
    fn blank(&mut self) -> Result<(), String> {
        loop {
            let rest = &self.text[self.at..];
            let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n']);
            self.at += rest.len() - trimmed.len();
            if trimmed.starts_with("//") {
                self.at += trimmed.find('\n').unwrap_or(trimmed.len());
            } else if let Some(comment) = trimmed.strip_prefix("/*") {
                let end = comment
                    .find("*/")
                    .ok_or_else(|| self.error("unclosed comment"))?;
                self.at += 2 + end + 2;
            } else {
                return Ok(());
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deep"));
        }
        self.blank()?;
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string(),
            Some(_) => {
                let rest = &self.text[self.at..];
                let len = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c)))
                    .unwrap_or(rest.len());
                if len == 0 {
                    return Err(self.error("unexpected character"));
                }
                self.at += len;
                Ok(Value::Other)
            }
            None => Err(self.error("unexpected end")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, String> {
        self.at += 1;
        let mut pairs = Vec::new();
        loop {
            self.blank()?;
            if self.peek() == Some(b'}') {
                self.at += 1;
                return Ok(Value::Object(pairs));
            }
            let Value::Str { value: key, .. } = self.string()? else {
                return Err(self.error("a key must be a string"));
            };
            self.blank()?;
            self.expect(b':')?;
            let value = self.value(depth + 1)?;
            pairs.push((key, value));
            if !self.comma(b'}')? {
                self.at += 1;
                return Ok(Value::Object(pairs));
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, String> {
        self.at += 1;
        loop {
            self.blank()?;
            if self.peek() == Some(b']') {
                self.at += 1;
                return Ok(Value::Array);
            }
            self.value(depth + 1)?;
            if !self.comma(b']')? {
                self.at += 1;
                return Ok(Value::Array);
            }
        }
    }

    /// After an item: `true` past a comma, `false` at the closing `end`.
    fn comma(&mut self, end: u8) -> Result<bool, String> {
        self.blank()?;
        match self.peek() {
            Some(b',') => {
                self.at += 1;
                Ok(true)
            }
            Some(b) if b == end => Ok(false),
            _ => Err(self.error("expected a comma")),
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        if self.peek() != Some(byte) {
            return Err(self.error(&format!("expected {}", byte as char)));
        }
        self.at += 1;
        Ok(())
    }

    fn string(&mut self) -> Result<Value, String> {
        self.blank()?;
        self.expect(b'"')?;
        let start = self.at;
        let mut value = String::new();
        let mut escaped = false;
        loop {
            let rest = &self.text[self.at..];
            let Some(c) = rest.chars().next() else {
                return Err(self.error("unclosed string"));
            };
            self.at += c.len_utf8();
            match c {
                '"' => break,
                '\\' => {
                    escaped = true;
                    let next = self.text[self.at..].chars().next();
                    let next = next.ok_or_else(|| self.error("unclosed string"))?;
                    self.at += next.len_utf8();
                    value.push(match next {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                }
                '\n' => return Err(self.error("a line break inside a string")),
                c => value.push(c),
            }
        }
        Ok(Value::Str {
            value,
            span: start..self.at - 1,
            escaped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites(text: &str, rules: Rules) -> Vec<(usize, String)> {
        crate::pin::site::checked_sites(text, scan(text, rules).unwrap())
    }

    #[test]
    fn dev_container_image_with_comments_and_trailing_commas() {
        let text = "// For format details, see https://aka.ms/devcontainer.json\n{\n  \"name\": \"Go\", /* the name */\n  \"image\": \"mcr.microsoft.com/devcontainers/go:1-1.22-bookworm\",\n  \"features\": {\n    \"ghcr.io/devcontainers/features/node:1\": {},\n  },\n}\n";
        let want = [(
            4,
            "mcr.microsoft.com/devcontainers/go:1-1.22-bookworm".into(),
        )];
        assert_eq!(sites(text, Rules::DevContainer), want);
        assert!(scan("{\"image\": \"a\" \"b\"}", Rules::DevContainer).is_err());
        assert!(scan("{\"image\": \"a\"} x", Rules::DevContainer).is_err());
    }

    #[test]
    fn bake_contexts_keep_their_prefix() {
        let text = "{\"target\": {\"app\": {\"contexts\": {\"alpine\": \"docker-image://alpine:3.20\", \"src\": \"./src\"}}}}";
        assert_eq!(sites(text, Rules::Bake), [(1, "alpine:3.20".into())]);
    }
}
