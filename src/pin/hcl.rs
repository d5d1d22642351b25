//! HCL files: docker-bake.hcl's `target` `contexts` values
//! `docker-image://REF` (the prefix kept), and Terraform's images: `image`
//! in `container` / `init_container` blocks of `kubernetes_*` resources,
//! `name` of `docker_image` resources and `docker_registry_image` data
//! sources, and (as Renovate reads them too) `image` of `docker_container`
//! resources and of `docker_service`'s `container_spec`. The text is read
//! by `hcl-edit`, a full parser of HCL's native syntax whose spans are
//! exact byte ranges of the input; only string literals are pinned, and
//! strings with `${…}` or `%{…}` are left alone. Pure.

use super::site::Found;
use hcl_edit::expr::{Expression, ObjectValue};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::Span as _;
use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rules {
    Bake,
    Terraform,
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
    let body = hcl_edit::parser::parse_body(text).map_err(|e| {
        let message = e.message().lines().next().unwrap_or("not HCL").to_string();
        format!("{message} at line {}", e.location().line())
    })?;
    let mut reader = Reader {
        text,
        rules,
        blocks: Vec::new(),
        found: Found::default(),
    };
    reader.body(&body);
    Ok(reader.found.sorted())
}

struct Reader<'t> {
    text: &'t str,
    rules: Rules,
    /// The blocks around, outermost first: type and first label.
    blocks: Vec<(&'t str, Option<&'t str>)>,
    found: Found,
}

impl<'t> Reader<'t> {
    fn body(&mut self, body: &'t Body) {
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attribute) => {
                    self.attribute(attribute.key.as_str(), &attribute.value)
                }
                Structure::Block(block) => self.block(block),
            }
        }
    }

    fn block(&mut self, block: &'t Block) {
        let label = block.labels.first().map(|l| l.as_str());
        self.blocks.push((block.ident.as_str(), label));
        self.body(&block.body);
        self.blocks.pop();
    }

    fn attribute(&mut self, name: &str, value: &Expression) {
        let block = self.blocks.last().copied();
        if self.rules == Rules::Bake {
            if let (Expression::Object(object), "contexts", Some(("target", _))) =
                (value, name, block)
            {
                for (_, context) in object.iter() {
                    self.image(ObjectValue::expr(context), "docker-image://");
                }
            }
            return;
        }
        let top = self.blocks.len() == 1;
        let label = |want: &str| block.is_some_and(|(_, l)| l == Some(want));
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
        self.blocks.first().is_some_and(|(block, label)| {
            *block == "resource" && label.is_some_and(|l| l.starts_with(kind))
        })
    }

    /// Records a string (after `prefix`) as an image, or says why not.
    fn image(&mut self, value: &Expression, prefix: &str) {
        let (span, variable) = match value {
            Expression::String(string) => (string.span(), false),
            Expression::StringTemplate(template) => (template.span(), true),
            _ => return,
        };
        let Some(inner) = span.and_then(|s| quoted(self.text, s)) else {
            return;
        };
        let raw = &self.text[inner.clone()];
        let escaped = !variable && raw.contains('\\');
        self.found
            .quoted_image(self.text, raw, &inner, prefix, variable, escaped);
    }
}

/// The characters between the quotes of a string literal at `span`.
fn quoted(text: &str, span: Range<usize>) -> Option<Range<usize>> {
    let written = text.get(span.clone())?;
    let ok = written.len() >= 2 && written.starts_with('"') && written.ends_with('"');
    ok.then(|| span.start + 1..span.end - 1)
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

    /// terraform-aws-eks's shape: `for` expressions inside objects, which
    /// the hand-written reader this replaced refused as an unbalanced `}`.
    #[test]
    fn for_expressions_inside_objects() {
        let text = "locals {\n  m = {\n    for k, v in var.x : k => {\n      a = v.a\n    } if v.on\n  }\n  l = [for s in var.y : upper(s)]\n}\nresource \"kubernetes_pod\" \"p\" {\n  spec {\n    container {\n      image = \"redis:7\"\n      env = { for k, v in local.m : k => v }\n    }\n  }\n}\n";
        assert_eq!(sites(text, Rules::Terraform), [(12, "redis:7".to_string())]);
    }

    #[test]
    fn templates_and_escapes_are_left_alone() {
        let text = "resource \"docker_container\" \"a\" {\n  image = \"${var.repo}:1\"\n}\nresource \"docker_image\" \"b\" {\n  name = \"redis\\u003a7\"\n}\nresource \"docker_image\" \"c\" {\n  name = \"café:1\"\n}\n";
        let found = scan(text, Rules::Terraform).unwrap();
        let skips: Vec<_> = found.skips.iter().map(|s| (s.line, s.by_design)).collect();
        assert_eq!(skips, [(2, true), (5, false)]);
        assert_eq!(found.sites.len(), 1);
        assert_eq!(found.sites[0].text, "café:1");
    }
}
