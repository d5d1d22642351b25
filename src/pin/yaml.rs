//! YAML files: finds image references in docker compose files
//! (`services.*.image`, or the top-level services of a legacy compose file
//! named as compose names its files), Kubernetes manifests (`image` of
//! `containers`, `initContainers` and `ephemeralContainers`, and image
//! volumes' `image.reference`, anywhere in any document that has
//! `apiVersion` and `kind`) and GitHub Actions workflows
//! (`jobs.*.container[.image]`, `jobs.*.services.*.image`, `uses:
//! docker://…`). The text is read by libyaml (`events`) only to learn where
//! each scalar's characters are (`tree`, `spans`); anchors, aliases and
//! `<<` merges are followed to the scalar that holds the image. Templates
//! that are not YAML are read line by line (`template`). Pure: text in,
//! sites out.

mod ci;
mod events;
mod helm;
mod kustomize;
pub mod template;

mod spans;
mod tree;

use super::site::{line_of, Found, Site};
use spans::{scalar_span, variable_default};
use std::collections::HashMap;
use tree::{parse, Node, UNKNOWN};

/// How many `<<` merges deep a key is looked for.
const MAX_MERGES: usize = 16;

/// Which rules apply to a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rules {
    /// A GitHub Actions workflow (`.github/workflows/*.yml`).
    Workflow,
    /// Decided per document: Kubernetes when it has `apiVersion` and
    /// `kind`, compose when it has `services`.
    ByContent,
    /// A file named as compose names its files (`compose.yaml`,
    /// `docker-compose.*.yml`): as `ByContent`, and a document without
    /// `services` is the legacy (version 1) format, services at the top.
    Compose,
    /// Helm values (`values*.yaml`): `repository`/`tag` maps at any depth.
    Helm,
    /// `kustomization.yaml`: the `images:` list.
    Kustomize,
    /// `.gitlab-ci.yml`: `image` and `services`, top level, `default` and jobs.
    GitLab,
    /// `bitbucket-pipelines.yml`: the default, step and service images.
    Bitbucket,
    /// `.circleci/config.yml`: `docker: [{image}]` of jobs and executors.
    CircleCi,
    /// `.drone.yml`, `.woodpecker.yml`: step, service and clone images.
    Drone,
    /// `azure-pipelines.yml`: `container` and `resources.containers`.
    Azure,
    /// `cloudbuild.yaml`: each step's `name`.
    CloudBuild,
}

/// The images in `text`; an error is the parser's, with its position.
pub fn scan(text: &str, rules: Rules) -> Result<Found, String> {
    let (documents, anchors) = parse(text).map_err(|e| e.to_string())?;
    let mut scanner = Scanner {
        text,
        anchors: &anchors,
        found: Found::default(),
    };
    for root in &documents {
        match rules {
            Rules::Workflow => scanner.workflow(root),
            Rules::ByContent => scanner.by_content(root, false),
            Rules::Compose => scanner.by_content(root, true),
            Rules::Helm => scanner.helm(root),
            Rules::Kustomize => scanner.kustomize(root),
            Rules::GitLab => scanner.gitlab(root),
            Rules::Bitbucket => scanner.bitbucket(root),
            Rules::CircleCi => scanner.circleci(root),
            Rules::Drone => scanner.drone(root),
            Rules::Azure => scanner.azure(root),
            Rules::CloudBuild => scanner.cloudbuild(root),
        }
    }
    Ok(scanner.found.sorted())
}

struct Scanner<'a> {
    text: &'a str,
    anchors: &'a HashMap<usize, Node>,
    found: Found,
}

impl<'a> Scanner<'a> {
    fn by_content(&mut self, root: &'a Node, compose_file: bool) {
        let services = match self.get(root, "services") {
            Some(services) => Some(services),
            // Version 1: the services are the top-level keys.
            None if compose_file => Some(root),
            None => None,
        };
        if self.get(root, "apiVersion").is_some() && self.get(root, "kind").is_some() {
            self.kubernetes(root);
        } else if let Some(services) = services {
            for service in self.values(services) {
                let image = self.get(service, "image");
                match self.built_locally(service) {
                    Some(why) => self.skip_image(image, why),
                    None => self.image(image, ""),
                }
            }
        }
    }

    /// Why a compose service's `image` names an image built here rather
    /// than pulled: it has `build:`, or `pull_policy: build` or `never`.
    fn built_locally(&self, service: &'a Node) -> Option<&'static str> {
        if self.get(service, "build").is_some() {
            return Some("the service has build:, so the image is built locally");
        }
        let policy = self.get(service, "pull_policy").map(|p| self.resolve(p));
        match policy.and_then(scalar) {
            Some("build") => Some("pull_policy: build builds the image locally"),
            Some("never") => Some("pull_policy: never uses a local image"),
            _ => None,
        }
    }

    /// Says that the scalar `node` is an image left alone on purpose.
    fn skip_image(&mut self, node: Option<&'a Node>, why: &str) {
        if let Some(Node::Scalar { value, at, .. }) = node.map(|n| self.resolve(n)) {
            if !value.is_empty() {
                let line = line_of(self.text, *at);
                self.found.skip(line, value, why);
            }
        }
    }

    /// Every `containers`-like list, at any depth. Aliases are not walked
    /// into (their anchors are walked where they stand), so a file of
    /// nested aliases cannot make the walk grow exponentially.
    fn kubernetes(&mut self, node: &'a Node) {
        match node {
            Node::Map(pairs) => {
                for (key, value) in pairs {
                    // Tekton's `steps` and `sidecars` are container lists too.
                    let is_list = matches!(
                        scalar(key),
                        Some(
                            "containers"
                                | "initContainers"
                                | "ephemeralContainers"
                                | "steps"
                                | "sidecars"
                        )
                    );
                    // Tekton's `stepTemplate`, Argo's `container` and `script`.
                    let is_container =
                        matches!(scalar(key), Some("stepTemplate" | "container" | "script"));
                    match self.resolve(value) {
                        Node::Seq(items) if is_list => {
                            for item in items {
                                self.image(self.get(item, "image"), "");
                                self.kubernetes(item);
                            }
                        }
                        Node::Map(_) if is_container => {
                            self.image(self.get(value, "image"), "");
                            self.kubernetes(value);
                        }
                        // Image volumes: `volumes: [{image: {reference: …}}]`.
                        Node::Seq(items) if scalar(key) == Some("volumes") => {
                            for item in items {
                                let image = self.get(item, "image");
                                self.image(image.and_then(|i| self.get(i, "reference")), "");
                            }
                        }
                        _ => self.kubernetes(value),
                    }
                }
            }
            Node::Seq(items) => items.iter().for_each(|item| self.kubernetes(item)),
            _ => {}
        }
    }

    fn workflow(&mut self, root: &'a Node) {
        let Some(jobs) = self.get(root, "jobs") else {
            return;
        };
        for job in self.values(jobs) {
            if let Some(container) = self.get(job, "container") {
                match self.resolve(container) {
                    Node::Map(_) => self.image(self.get(container, "image"), ""),
                    _ => self.image(Some(container), ""),
                }
            }
            if let Some(services) = self.get(job, "services") {
                for service in self.values(services) {
                    self.image(self.get(service, "image"), "");
                }
            }
            let steps = self.get(job, "steps").map(|s| self.resolve(s));
            if let Some(Node::Seq(steps)) = steps {
                for step in steps {
                    self.image(self.get(step, "uses"), "docker://");
                }
            }
        }
    }

    /// Records the scalar `node` (after `prefix`) as an image, or says why not.
    fn image(&mut self, node: Option<&'a Node>, prefix: &str) {
        let Some(node) = node.map(|n| self.resolve(n)) else {
            return;
        };
        let Node::Scalar {
            value, style, at, ..
        } = node
        else {
            return;
        };
        let Some(image) = value.strip_prefix(prefix) else {
            return;
        };
        let start = *at;
        let line = line_of(self.text, start);
        if image.is_empty() {
            return;
        }
        // `${VAR:-image}`: compose's default, pinned where it is written.
        let default = variable_default(image);
        let literal = default.clone().map_or(image, |inner| &image[inner]);
        if let Some(reason) = variable_reason(literal) {
            return self.found.skip(line, image, reason);
        }
        let Some(span) = scalar_span(self.text, start, *style, value) else {
            let reason = "is written in a way ddigest cannot edit in place";
            return self.found.unpinnable(line, image, reason);
        };
        let span = span.start + prefix.len()..span.end;
        let (span, image) = match default {
            Some(inner) => (span.start + inner.start..span.start + inner.end, literal),
            None => (span, image),
        };
        let line = line_of(self.text, span.start);
        self.found
            .site(Site::reference(line, span, image, image.to_string()));
    }

    /// Follows an alias to its anchored node.
    fn resolve(&self, node: &'a Node) -> &'a Node {
        match node {
            Node::Alias(id) => self.anchors.get(id).unwrap_or(&UNKNOWN),
            other => other,
        }
    }

    /// `key`'s value in a mapping, looking through `<<` merges.
    fn get(&self, node: &'a Node, key: &str) -> Option<&'a Node> {
        self.get_merged(node, key, 0)
    }

    /// `get` through at most `MAX_MERGES` levels of `<<`: an anchor can be
    /// merged into itself (`&a {<<: *a}`), which must not loop.
    fn get_merged(&self, node: &'a Node, key: &str, depth: usize) -> Option<&'a Node> {
        let Node::Map(pairs) = self.resolve(node) else {
            return None;
        };
        if let Some((_, value)) = pairs.iter().find(|(k, _)| scalar(k) == Some(key)) {
            return Some(value);
        }
        if depth >= MAX_MERGES {
            return None;
        }
        let merged = pairs.iter().filter(|(k, _)| scalar(k) == Some("<<"));
        merged
            .map(|(_, v)| self.resolve(v))
            .find_map(|source| match source {
                Node::Seq(items) => items
                    .iter()
                    .find_map(|item| self.get_merged(item, key, depth + 1)),
                other => self.get_merged(other, key, depth + 1),
            })
    }

    /// The values of a mapping, in order.
    fn values(&self, node: &'a Node) -> Vec<&'a Node> {
        match self.resolve(node) {
            Node::Map(pairs) => pairs.iter().map(|(_, v)| v).collect(),
            _ => Vec::new(),
        }
    }
}

/// Why a reference with variables or template expressions is left alone;
/// `None` for a literal one. (A whole-value `${VAR:-image}` never gets
/// here: its default is pinned.)
fn variable_reason(text: &str) -> Option<&'static str> {
    if !["$", "{{", "<<"].iter().any(|t| text.contains(t)) {
        return None;
    }
    let name_end = |s: &str| s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
    let after_name = text
        .strip_prefix("${")
        .and_then(|inner| name_end(inner).map(|n| &inner[n..]));
    Some(match after_name {
        Some(rest) if rest.starts_with(":?") || rest.starts_with('?') => {
            "${VAR:?message} requires the variable and has no default to pin"
        }
        Some(rest)
            if (rest.starts_with(":-") || rest.starts_with('-'))
                && rest.find("${").is_some_and(|open| rest.find('}').is_some_and(|c| open < c)) =>
        {
            "a nested default; only a literal ${VAR:-image} is pinned"
        }
        _ if text.match_indices("${").any(|(at, _)| {
            let inner = &text[at + 2..];
            let rest = name_end(inner).map_or("", |n| &inner[n..]);
            rest.starts_with(":-") || rest.starts_with('-')
        }) =>
        {
            "a default that is only part of the reference; only a whole-value ${VAR:-image} is pinned"
        }
        _ => "holds a variable or template expression",
    })
}

fn scalar(node: &Node) -> Option<&str> {
    match node {
        Node::Scalar { value, .. } => Some(value),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
