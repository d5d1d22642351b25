//! CI systems' YAML: where GitLab CI, Bitbucket Pipelines, CircleCI, Drone
//! and Woodpecker, Azure Pipelines and Google Cloud Build keep the images
//! their jobs run in, as Renovate's managers for them read it. Each
//! system's variables (`$[[ inputs.x ]]`, `<< parameters.x >>`, `$[ … ]`)
//! are left alone by `Scanner::image`. Aliases are not walked into (their
//! anchors are walked where they stand).

use super::{scalar, Node, Scanner};

/// GitLab's top-level keywords; every other top-level map is a job
/// (hidden `.jobs` too: they are extended by real ones).
const GITLAB_KEYWORDS: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "spec",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
];

impl<'a> Scanner<'a> {
    pub(super) fn gitlab(&mut self, root: &'a Node) {
        self.gitlab_job(root);
        if let Some(default) = self.get(root, "default") {
            self.gitlab_job(default);
        }
        let Node::Map(pairs) = self.resolve(root) else {
            return;
        };
        for (key, job) in pairs {
            let keyword = scalar(key).is_some_and(|k| GITLAB_KEYWORDS.contains(&k));
            if !keyword && matches!(job, Node::Map(_)) {
                self.gitlab_job(job);
            }
        }
    }

    /// `image: REF | {name: REF}` and `services: [REF | {name: REF}]`.
    fn gitlab_job(&mut self, job: &'a Node) {
        let image = self.get(job, "image");
        self.image(self.named(image, "name"), "");
        for service in self.items(self.get(job, "services")) {
            self.image(self.named(Some(service), "name"), "");
        }
    }

    pub(super) fn bitbucket(&mut self, root: &'a Node) {
        let image = self.get(root, "image");
        self.image(self.named(image, "name"), "");
        let definitions = self.get(root, "definitions");
        let services = definitions.and_then(|d| self.get(d, "services"));
        for service in services.map(|s| self.values(s)).unwrap_or_default() {
            let image = self.get(service, "image");
            self.image(self.named(image, "name"), "");
        }
        // Steps, in the pipelines and in the definitions they anchor in.
        for key in ["pipelines", "definitions"] {
            if let Some(node) = self.get(root, key) {
                self.bitbucket_steps(node);
            }
        }
    }

    /// Every `step:` map's `image`, at any depth (`pipe:` is no image).
    fn bitbucket_steps(&mut self, node: &'a Node) {
        match node {
            Node::Map(pairs) => {
                for (key, value) in pairs {
                    if scalar(key) == Some("step") && matches!(value, Node::Map(_)) {
                        let image = self.get(value, "image");
                        self.image(self.named(image, "name"), "");
                    }
                    self.bitbucket_steps(value);
                }
            }
            Node::Seq(items) => items.iter().for_each(|item| self.bitbucket_steps(item)),
            _ => {}
        }
    }

    /// Every `docker: [{image}]` list, in jobs, executors and inline orbs
    /// (`machine.image` names a VM image, not a container image).
    pub(super) fn circleci(&mut self, node: &'a Node) {
        match node {
            Node::Map(pairs) => {
                for (key, value) in pairs {
                    if scalar(key) == Some("docker") {
                        for item in self.items(Some(value)) {
                            self.image(self.get(item, "image"), "");
                        }
                    } else {
                        self.circleci(value);
                    }
                }
            }
            Node::Seq(items) => items.iter().for_each(|item| self.circleci(item)),
            _ => {}
        }
    }

    /// Drone's and Woodpecker's `steps`, `pipeline`, `services` and
    /// `clone`, each a list of `{image}` or a map of name to `{image}`.
    pub(super) fn drone(&mut self, root: &'a Node) {
        for key in ["steps", "pipeline", "services", "clone"] {
            let Some(node) = self.get(root, key) else {
                continue;
            };
            let entries = match self.resolve(node) {
                Node::Map(_) => self.values(node),
                _ => self.items(Some(node)),
            };
            for entry in entries {
                self.image(self.get(entry, "image"), "");
            }
        }
    }

    /// `resources.containers[].image`, and `container: REF | {image: REF}`
    /// at any depth, except a `container: NAME` that names one of those
    /// resources (it refers to the entry, already pinned there).
    pub(super) fn azure(&mut self, root: &'a Node) {
        let resources = self.get(root, "resources");
        let containers = resources.and_then(|r| self.get(r, "containers"));
        let mut names = Vec::new();
        for entry in self.items(containers) {
            names.extend(
                self.get(entry, "container")
                    .map(|n| self.resolve(n))
                    .and_then(scalar),
            );
            self.image(self.get(entry, "image"), "");
        }
        self.azure_containers(root, &names);
    }

    fn azure_containers(&mut self, node: &'a Node, names: &[&str]) {
        match node {
            Node::Map(pairs) => {
                for (key, value) in pairs {
                    match (scalar(key), self.resolve(value)) {
                        (Some("resources"), _) => {}
                        (Some("container"), Node::Map(_)) => {
                            self.image(self.get(value, "image"), "")
                        }
                        (Some("container"), Node::Scalar { value: name, .. }) => {
                            if !names.contains(&name.as_str()) {
                                self.image(Some(value), "");
                            }
                        }
                        _ => self.azure_containers(value, names),
                    }
                }
            }
            Node::Seq(items) => items.iter().for_each(|i| self.azure_containers(i, names)),
            _ => {}
        }
    }

    /// Each of `steps` runs in the image its `name` gives.
    pub(super) fn cloudbuild(&mut self, root: &'a Node) {
        for step in self.items(self.get(root, "steps")) {
            self.image(self.get(step, "name"), "");
        }
    }

    /// The items of a sequence (none for anything else).
    pub(super) fn items(&self, node: Option<&'a Node>) -> Vec<&'a Node> {
        match node.map(|n| self.resolve(n)) {
            Some(Node::Seq(items)) => items.iter().collect(),
            _ => Vec::new(),
        }
    }

    /// `node` itself, or its `key` when it is a map (`image: {name: REF}`).
    fn named(&self, node: Option<&'a Node>, key: &str) -> Option<&'a Node> {
        let node = node?;
        match self.resolve(node) {
            Node::Map(_) => self.get(node, key),
            _ => Some(node),
        }
    }
}
