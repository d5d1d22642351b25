//! kustomize's `images:` list: each entry is the image `newName` (else
//! `name`) with `newTag` (else `latest`, and `newTag` stays absent). Its
//! digest goes into the entry's `digest` key: replaced when it is there,
//! else a `digest:` line is added after the entry's last line, at the
//! indentation of its keys and with the file's line endings. A `newTag`
//! holding `@sha256:` is pinned there already and stays where it is, as
//! does a `newName` that carries its own `@sha256:` (and maybe a tag).

use super::{scalar, variable_reason, Node, Scanner};
use crate::pin::site::{line_of, Form, Site};

impl<'a> Scanner<'a> {
    pub(super) fn kustomize(&mut self, root: &'a Node) {
        for entry in self.items(self.get(root, "images")) {
            if let Node::Map(_) = self.resolve(entry) {
                self.kustomize_entry(entry);
            }
        }
    }

    fn kustomize_entry(&mut self, entry: &'a Node) {
        let node = |key: &str| self.get(entry, key);
        let text_of = |key: &str| node(key).map(|n| self.resolve(n)).and_then(scalar);
        let Some(name) = text_of("newName")
            .filter(|n| !n.is_empty())
            .or(text_of("name"))
            .filter(|n| !n.is_empty())
        else {
            return;
        };
        let new_tag = text_of("newTag").filter(|t| !t.is_empty());
        // `newName: awesome/postgres:11` carries its own tag (or digest).
        let last = name.rsplit('/').next().unwrap_or(name);
        let named_tag = last.contains(':') || last.contains('@');
        let image = match new_tag {
            Some(tag) => format!("{name}:{tag}"),
            None if named_tag => name.to_string(),
            None => format!("{name}:latest"),
        };
        let lines = self.lines(entry);
        let line = node("newTag").map_or(*lines.start(), |t| line_of(self.text, self.start(t)));
        if let Some(reason) = variable_reason(&image) {
            return self.found.skip(line, &image, reason);
        }
        if node("digest").is_some() {
            self.digest_site(entry, &image, lines);
        } else if new_tag.is_some_and(|t| t.contains('@')) {
            self.tag_site(node("newTag"), &image, lines);
        } else if new_tag.is_none() && name.contains('@') {
            let written = node("newName").filter(|_| text_of("newName") == Some(name));
            self.tag_site(written.or(node("name")), &image, lines);
        } else {
            self.digest_line(entry, line, &image);
        }
    }

    /// A `digest:` line added after the entry's last line.
    fn digest_line(&mut self, entry: &'a Node, line: usize, image: &str) {
        let (first, last) = match self.resolve(entry) {
            Node::Map(pairs) => (pairs.first(), pairs.last()),
            _ => return,
        };
        let (Some((key, _)), Some(_)) = (first, last) else {
            return;
        };
        let key_at = self.start(key);
        let line_start = self.text[..key_at].rfind('\n').map_or(0, |n| n + 1);
        let indent = &self.text[line_start..key_at];
        let block = indent.trim_start_matches([' ', '-']).is_empty() && !indent.contains('\t');
        if !block {
            let reason = "a flow-style entry; write it as a block for ddigest to add digest:";
            return self.found.unpinnable(line, image, reason);
        }
        let end = self.end_of(entry);
        let eol = if self.text.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        let indent = " ".repeat(indent.chars().count());
        let (at, form) = match self.text[end..].find('\n') {
            Some(n) => (
                end + n + 1,
                Form::Insert {
                    before: format!("{indent}digest: "),
                    after: eol.to_string(),
                },
            ),
            None => (
                self.text.len(),
                Form::Insert {
                    before: format!("{eol}{indent}digest: "),
                    after: String::new(),
                },
            ),
        };
        self.found.site(Site {
            line,
            span: at..at,
            text: String::new(),
            image: image.to_string(),
            form,
            lines: self.lines(entry),
        });
    }
}
