//! HCL files: docker-bake.hcl's `target` `contexts` values
//! `docker-image://REF` (the prefix kept), and Terraform's images: `image`
//! in `container` / `init_container` blocks of `kubernetes_*` resources,
//! `name` of `docker_image` resources and `docker_registry_image` data
//! sources, and (as Renovate reads them too) `image` of `docker_container`
//! resources and of `docker_service`'s `container_spec`. A small reader of HCL's native syntax finds blocks, attributes,
//! object constructors and string literals with their spans; comments
//! (`#`, `//`, `/* */`), heredocs and other expressions are passed over.
//! Strings with `${…}` or `%{…}` are left alone. Pure.

use super::site::{line_of, Found};
use std::ops::Range;

/// Nesting deeper than this is not a file ddigest edits.
const MAX_DEPTH: usize = 128;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rules {
    Bake,
    Terraform,
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Ident(String),
    /// A quoted string: its characters between the quotes and where they are.
    Str {
        raw: String,
        span: Range<usize>,
    },
    Open(u8),
    Close(u8),
    /// `=` or `:` (an object's key and value).
    Assign,
    Comma,
    Newline,
    Other,
}

/// A value as far as ddigest cares.
enum Value {
    Str { raw: String, span: Range<usize> },
    Object(Vec<(String, Value)>),
    Other,
}

/// Whether a Terraform configuration has any of the resources whose images
/// ddigest pins: one that has none is no loss when it cannot be read.
pub fn may_name_images(text: &str) -> bool {
    [
        "kubernetes_",
        "docker_image",
        "docker_registry_image",
        "docker_container",
        "docker_service",
    ]
    .iter()
    .any(|word| text.contains(word))
}

/// The images in `text`; an error says what could not be read and where.
pub fn scan(text: &str, rules: Rules) -> Result<Found, String> {
    let tokens = tokens(text)?;
    let mut reader = Reader {
        text,
        tokens: &tokens,
        at: 0,
        rules,
        blocks: Vec::new(),
        found: Found::default(),
    };
    reader.body(0)?;
    if reader.at < tokens.len() {
        let (_, offset) = &tokens[reader.at];
        return Err(format!("unbalanced }} at line {}", line_of(text, *offset)));
    }
    Ok(reader.found.sorted())
}

struct Reader<'t> {
    text: &'t str,
    tokens: &'t [(Token, usize)],
    at: usize,
    rules: Rules,
    /// The blocks around: type and labels.
    blocks: Vec<(String, Vec<String>)>,
    found: Found,
}

impl Reader<'_> {
    /// What went wrong, at the line of the token reached.
    fn error(&self, what: &str) -> String {
        let at = self
            .tokens
            .get(self.at)
            .or(self.tokens.last())
            .map_or(0, |(_, at)| *at);
        at_line(self.text, at, what)
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(t, _)| t)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.peek().cloned();
        self.at += 1;
        token
    }

    /// A body: attributes and blocks, up to a `}` (left for the caller).
    fn body(&mut self, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deep"));
        }
        loop {
            match self.peek() {
                None | Some(Token::Close(b'}')) => return Ok(()),
                Some(Token::Ident(name)) => {
                    let name = name.clone();
                    self.at += 1;
                    self.item(name, depth)?;
                }
                Some(_) => self.at += 1,
            }
        }
    }

    /// After an identifier: an attribute (`= value`) or a block (`labels {`).
    fn item(&mut self, name: String, depth: usize) -> Result<(), String> {
        if self.peek() == Some(&Token::Assign) {
            self.at += 1;
            let value = self.expression(depth)?;
            self.attribute(&name, &value);
            return Ok(());
        }
        let mut labels = Vec::new();
        loop {
            match self.next() {
                Some(Token::Str { raw, .. }) | Some(Token::Ident(raw)) => labels.push(raw),
                Some(Token::Open(b'{')) => break,
                _ => return Ok(()),
            }
        }
        self.blocks.push((name, labels));
        self.body(depth + 1)?;
        self.blocks.pop();
        match self.next() {
            Some(Token::Close(b'}')) => Ok(()),
            _ => Err(self.error("a block is not closed")),
        }
    }

    /// An expression up to the end of its line, a comma or a closing bracket.
    fn expression(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deep"));
        }
        let value = match self.next() {
            Some(Token::Str { raw, span }) => Value::Str { raw, span },
            Some(Token::Open(b'{')) => self.object(depth)?,
            Some(Token::Open(_)) => {
                self.skip_group(depth)?;
                Value::Other
            }
            _ => Value::Other,
        };
        // Anything more (an operator, a call) makes it something else.
        let mut more = false;
        loop {
            match self.peek() {
                None | Some(Token::Newline | Token::Comma | Token::Close(_)) => break,
                Some(Token::Open(_)) => {
                    self.at += 1;
                    self.skip_group(depth)?;
                }
                Some(_) => self.at += 1,
            }
            more = true;
        }
        Ok(if more { Value::Other } else { value })
    }

    fn object(&mut self, depth: usize) -> Result<Value, String> {
        let mut pairs = Vec::new();
        loop {
            let key = match self.next() {
                Some(Token::Close(b'}')) => return Ok(Value::Object(pairs)),
                Some(Token::Newline | Token::Comma) => continue,
                Some(Token::Ident(key)) | Some(Token::Str { raw: key, .. }) => key,
                Some(_) => {
                    self.expression(depth + 1)?;
                    continue;
                }
                None => return Err(self.error("an object is not closed")),
            };
            if self.peek() == Some(&Token::Assign) {
                self.at += 1;
                pairs.push((key, self.expression(depth + 1)?));
            }
        }
    }

    /// Past the bracket that closes one already opened.
    fn skip_group(&mut self, depth: usize) -> Result<(), String> {
        let mut open = 1usize;
        while open > 0 {
            match self.next() {
                Some(Token::Open(_)) => open += 1,
                Some(Token::Close(_)) => open -= 1,
                Some(_) => {}
                None => return Err(self.error("a bracket is not closed")),
            }
            if open > MAX_DEPTH + depth {
                return Err(self.error("nested too deep"));
            }
        }
        Ok(())
    }

    fn attribute(&mut self, name: &str, value: &Value) {
        let block = self
            .blocks
            .last()
            .map(|(kind, labels)| (kind.as_str(), labels.first()));
        if self.rules == Rules::Bake {
            if let (Value::Object(pairs), "contexts", Some(("target", _))) = (value, name, block) {
                for (_, context) in pairs {
                    self.image(context, "docker-image://");
                }
            }
            return;
        }
        let top = self.blocks.len() == 1;
        let label = |want: &str| block.is_some_and(|(_, l)| l.is_some_and(|l| l == want));
        let is_image = match (name, block.map(|(kind, _)| kind)) {
            ("image", Some("container" | "init_container")) => self.in_resource("kubernetes_"),
            ("image", Some("container_spec")) => self.in_resource("docker_service"),
            ("image", Some("resource")) => top && label("docker_container"),
            ("name", Some("resource")) => top && label("docker_image"),
            ("name", Some("data")) => top && label("docker_registry_image"),
            _ => false,
        };
        if is_image {
            self.image(value, "");
        }
    }

    /// Whether the outermost block is a resource whose type starts with `kind`.
    fn in_resource(&self, kind: &str) -> bool {
        self.blocks.first().is_some_and(|(block, labels)| {
            block == "resource" && labels.first().is_some_and(|l| l.starts_with(kind))
        })
    }

    /// Records a string (after `prefix`) as an image, or says why not.
    fn image(&mut self, value: &Value, prefix: &str) {
        if let Value::Str { raw, span } = value {
            let variable = raw.contains("${") || raw.contains("%{");
            let escaped = raw.contains('\\');
            self.found
                .quoted_image(self.text, raw, span, prefix, variable, escaped);
        }
    }
}

/// HCL's tokens with their offsets: comments and blanks dropped, line
/// breaks kept (they end attributes), heredocs as one `Other`.
fn tokens(text: &str) -> Result<Vec<(Token, usize)>, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let rest = &text[at..];
        let token = match bytes[at] {
            b' ' | b'\t' | b'\r' => {
                at += 1;
                continue;
            }
            b'\n' => {
                at += 1;
                Token::Newline
            }
            b'#' => {
                at += rest.find('\n').unwrap_or(rest.len());
                continue;
            }
            b'/' if rest.starts_with("//") => {
                at += rest.find('\n').unwrap_or(rest.len());
                continue;
            }
            b'/' if rest.starts_with("/*") => {
                let end = rest
                    .find("*/")
                    .ok_or_else(|| at_line(text, at, "unclosed comment"))?;
                at += end + 2;
                continue;
            }
            b'"' => {
                let end = string_end(text, at + 1, 0)?;
                at = end + 1;
                let span = start + 1..end;
                Token::Str {
                    raw: text[span.clone()].to_string(),
                    span,
                }
            }
            b'<' if rest.starts_with("<<") && heredoc(rest).is_some() => {
                at += heredoc(rest).unwrap_or(rest.len());
                Token::Other
            }
            b'{' | b'[' | b'(' => {
                at += 1;
                Token::Open(bytes[start])
            }
            b'}' | b']' | b')' => {
                at += 1;
                Token::Close(bytes[start])
            }
            b'=' if !rest.starts_with("==") && !rest.starts_with("=>") => {
                at += 1;
                Token::Assign
            }
            b':' => {
                at += 1;
                Token::Assign
            }
            b',' => {
                at += 1;
                Token::Comma
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let len = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                    .unwrap_or(rest.len());
                at += len;
                Token::Ident(rest[..len].to_string())
            }
            _ => {
                at += rest.chars().next().map_or(1, char::len_utf8);
                Token::Other
            }
        };
        out.push((token, start));
    }
    Ok(out)
}

/// Where the string whose characters start at `at` closes: escapes and
/// `${ … }` / `%{ … }` templates (with strings of their own) passed over.
fn string_end(text: &str, mut at: usize, depth: usize) -> Result<usize, String> {
    if depth > MAX_DEPTH {
        return Err(at_line(text, at, "nested too deep"));
    }
    let bytes = text.as_bytes();
    loop {
        match bytes.get(at) {
            None | Some(b'\n') => return Err(at_line(text, at, "unclosed string")),
            Some(b'"') => return Ok(at),
            Some(b'\\') => at += 2,
            Some(b'$' | b'%') if bytes.get(at + 1) == Some(&b'{') => {
                at = template_end(text, at + 2, depth)?;
            }
            Some(_) => at += 1,
        }
    }
}

/// Past the `}` that closes a template opened before `at`.
fn template_end(text: &str, mut at: usize, depth: usize) -> Result<usize, String> {
    let bytes = text.as_bytes();
    let mut open = 1;
    while open > 0 {
        match bytes.get(at) {
            None => return Err(at_line(text, at, "unclosed template")),
            Some(b'{') => open += 1,
            Some(b'}') => open -= 1,
            Some(b'"') => at = string_end(text, at + 1, depth + 1)?,
            _ => {}
        }
        at += 1;
    }
    Ok(at)
}

/// The length of a heredoc (`<<EOF` or `<<-EOF` to the line holding only
/// its delimiter), when `rest` starts one.
fn heredoc(rest: &str) -> Option<usize> {
    let header = rest.strip_prefix("<<")?;
    let header = header.strip_prefix('-').unwrap_or(header);
    let name_len = header.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    let name = &header[..name_len];
    let after = &header[name_len..];
    if name.is_empty() || !after.starts_with(['\n', '\r']) {
        return None;
    }
    let body_start = rest.len() - after.len();
    let mut at = body_start + after.find('\n')? + 1;
    for line in rest[at..].split_inclusive('\n') {
        at += line.len();
        if line.trim() == name {
            return Some(at - line.len() + line.trim_end().len());
        }
    }
    None
}

fn at_line(text: &str, at: usize, what: &str) -> String {
    format!("{what} at line {}", line_of(text, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites(text: &str, rules: Rules) -> Vec<(usize, String)> {
        crate::pin::site::checked_sites(text, scan(text, rules).unwrap())
    }

    #[test]
    fn bake_contexts() {
        let text = "# bake\ntarget \"app\" {\n  contexts = {\n    alpine = \"docker-image://alpine:3.20\" // base\n    \"src\": \"./src\",\n    go = \"docker-image://golang:${GO}\"\n  }\n  tags = [\"x/app:1\"]\n}\n";
        assert_eq!(sites(text, Rules::Bake), [(4, "alpine:3.20".to_string())]);
        assert_eq!(scan(text, Rules::Bake).unwrap().skips.len(), 1);
    }

    #[test]
    fn terraform_images() {
        let text = "resource \"kubernetes_deployment\" \"web\" {\n  spec {\n    template {\n      spec {\n        container {\n          image = \"nginx:1.27\"\n          args = [\"a\", \"${var.x}\"]\n        }\n        init_container {\n          image = \"busybox:1.36\"\n        }\n      }\n    }\n  }\n}\n/* a comment */\nresource \"docker_image\" \"db\" {\n  name = \"postgres:16\"\n  build {\n    name = \"not-this\"\n  }\n}\ndata \"docker_registry_image\" \"redis\" {\n  name = \"redis:7\"\n}\nresource \"null_resource\" \"x\" {\n  container {\n    image = \"nope:1\"\n  }\n  script = <<-EOT\n    image = \"nope:2\"\n  EOT\n}\n";
        let got = sites(text, Rules::Terraform);
        let want: Vec<(usize, String)> = [
            (6, "nginx:1.27"),
            (10, "busybox:1.36"),
            (18, "postgres:16"),
            (24, "redis:7"),
        ]
        .iter()
        .map(|(l, s)| (*l, s.to_string()))
        .collect();
        assert_eq!(got, want);
        assert!(scan("resource \"a\" \"b\" {", Rules::Terraform).is_err());
    }
}
