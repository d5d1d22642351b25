//! Which files `pin` and `check` read, and how they are written back: a
//! walk of the paths given (directories recursively, honouring .gitignore,
//! .ignore and .git/info/exclude, `.git` itself left out, `--exclude`
//! patterns honoured, symlinks inside the tree followed once), and each
//! file's kind by its name. Writing back is `write`'s.

use super::yaml::Rules;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Dockerfile,
    Yaml(Rules),
    /// A dev container's JSON (comments and trailing commas allowed).
    DevContainer,
    /// `docker-bake.json`.
    BakeJson,
    /// `docker-bake.hcl`.
    BakeHcl,
    /// Terraform's `*.tf`.
    Terraform,
    /// A Podman Quadlet unit (`*.container`, `*.image`).
    Quadlet,
}

/// The kind a file's name says; files named on the command line that say
/// nothing are read as Dockerfiles.
pub fn kind_of(path: &Path, named: bool) -> Option<Kind> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let extension = name.rsplit_once('.').map(|(_, e)| e);
    let parent = |folder: &str| path.parent().is_some_and(|p| p.ends_with(folder));
    let grandparent = |folder: &str| {
        let grand = path.parent().and_then(Path::parent);
        grand.is_some_and(|p| p.ends_with(folder))
    };
    if matches!(extension, Some("yml" | "yaml")) || name == "kustomization" {
        return Some(Kind::Yaml(yaml_rules(&name, &parent)));
    }
    if name == ".devcontainer.json"
        || (name == "devcontainer.json"
            && (parent(".devcontainer") || grandparent(".devcontainer")))
    {
        return Some(Kind::DevContainer);
    }
    if name.starts_with("docker-bake") {
        match extension {
            Some("json") => return Some(Kind::BakeJson),
            Some("hcl") => return Some(Kind::BakeHcl),
            _ => {}
        }
    }
    match extension {
        Some("tf") => return Some(Kind::Terraform),
        Some("container" | "image") => return Some(Kind::Quadlet),
        _ => {}
    }
    // `Dockerfile`, `Dockerfile.dev`, `Dockerfile_windows`, `api.Dockerfile`
    // (Renovate's rule), but not `Dockerfile.dockerignore`.
    let dockerfile = ["dockerfile", "containerfile"].iter().any(|base| {
        let suffix = name.strip_prefix(base);
        suffix.is_some_and(|s| s.is_empty() || s.starts_with(['.', '_', '-']))
            || name.ends_with(&format!(".{base}"))
    });
    let dockerfile = dockerfile && !name.ends_with(".dockerignore");
    (dockerfile || named).then_some(Kind::Dockerfile)
}

/// Which YAML rules a file's name (and folder) says.
fn yaml_rules(name: &str, parent: &dyn Fn(&str) -> bool) -> Rules {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| name.starts_with(p));
    if parent(".github/workflows") {
        Rules::Workflow
    } else if starts(&["compose.", "docker-compose."]) {
        Rules::Compose
    } else if stem == "kustomization" {
        Rules::Kustomize
    } else if stem == ".gitlab-ci" || stem.ends_with(".gitlab-ci") || parent(".gitlab/ci") {
        Rules::GitLab
    } else if stem == "bitbucket-pipelines" {
        Rules::Bitbucket
    } else if parent(".circleci") || name == "@orb.yml" || parent("src/executors") {
        // Any CircleCI configuration (dynamic config's continuations too,
        // as Renovate reads them), and an orb's source and its executors.
        Rules::CircleCi
    } else if stem == ".drone" || stem == ".woodpecker" || parent(".woodpecker") {
        Rules::Drone
    } else if stem == "azure-pipelines" {
        Rules::Azure
    } else if stem == "cloudbuild" {
        Rules::CloudBuild
    } else if stem.starts_with("values") {
        Rules::Helm
    } else {
        Rules::ByContent
    }
}

/// The `--exclude` patterns: lines of a .gitignore at the current folder.
#[derive(Clone, Debug, Default)]
pub struct Exclude {
    matcher: Option<(PathBuf, Gitignore)>,
}

impl Exclude {
    /// The patterns in order; an error names the first one not valid.
    pub fn new(patterns: &[String]) -> Result<Exclude, String> {
        if patterns.is_empty() {
            return Ok(Exclude::default());
        }
        let root = std::env::current_dir().map_err(|e| format!("--exclude: {e}"))?;
        let mut builder = GitignoreBuilder::new(&root);
        for pattern in patterns {
            builder
                .add_line(None, pattern)
                .map_err(|e| format!("--exclude {pattern}: {e}"))?;
        }
        let matcher = builder.build().map_err(|e| format!("--exclude: {e}"))?;
        Ok(Exclude {
            matcher: Some((root, matcher)),
        })
    }

    /// Whether `path` (relative to the current folder, or absolute) is
    /// left out; paths outside the current folder never are.
    pub fn excludes(&self, path: &Path, is_dir: bool) -> bool {
        let Some((root, matcher)) = &self.matcher else {
            return false;
        };
        let path = path.strip_prefix(".").unwrap_or(path);
        let relative = match path.strip_prefix(root) {
            Ok(inside) => inside,
            Err(_) if path.is_absolute() => return false,
            Err(_) => path,
        };
        if relative.as_os_str().is_empty()
            || relative
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            return false;
        }
        matcher
            .matched_path_or_any_parents(relative, is_dir)
            .is_ignore()
    }
}

/// The files under `paths` that `pin` reads, sorted, each once; the
/// problems met on the way (unreadable folders) as messages, and what was
/// passed over that `-v` says (symlinks that lead out of the tree).
pub fn discover(paths: &[PathBuf], exclude: &Exclude) -> Discovered {
    let mut out = Discovered::default();
    for root in paths {
        if root.is_file() {
            if !exclude.excludes(root, false) {
                let kind = kind_of(root, true);
                out.files.extend(kind.map(|kind| (root.clone(), kind)));
            }
            continue;
        }
        let skip = exclude.clone();
        let walk = ignore::WalkBuilder::new(root)
            .hidden(false)
            .require_git(false)
            .filter_entry(move |entry| {
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                entry.file_name() != ".git" && !skip.excludes(entry.path(), is_dir)
            })
            .build();
        let inside = std::fs::canonicalize(root).ok();
        for entry in walk {
            match entry {
                Ok(entry) if entry.file_type().is_some_and(|t| t.is_file()) => {
                    let path = display_path(entry.path());
                    out.files
                        .extend(kind_of(&path, false).map(|kind| (path, kind)));
                }
                Ok(entry) if entry.path_is_symlink() => {
                    out.symlink(root, inside.as_deref(), entry.path(), exclude);
                }
                Ok(_) => {}
                Err(e) => out.problems.push(e.to_string()),
            }
        }
    }
    out.files.sort_by(|a, b| a.0.cmp(&b.0));
    out.files.dedup_by(|a, b| a.0 == b.0);
    once_per_file(&mut out.files);
    out
}

/// Hard links to one file found under several names: read once, under the
/// first name, so one write pins them all.
#[cfg(unix)]
fn once_per_file(files: &mut Vec<(PathBuf, Kind)>) {
    use std::os::unix::fs::MetadataExt as _;
    let mut seen = std::collections::HashSet::new();
    files.retain(|(path, _)| match std::fs::metadata(path) {
        Ok(m) if m.nlink() > 1 => seen.insert((m.dev(), m.ino())),
        _ => true,
    });
}

#[cfg(not(unix))]
fn once_per_file(_: &mut Vec<(PathBuf, Kind)>) {}

/// What `discover` found.
#[derive(Default)]
pub struct Discovered {
    pub files: Vec<(PathBuf, Kind)>,
    pub problems: Vec<String>,
    /// Passed over, said under `-v`.
    pub passed: Vec<String>,
}

impl Discovered {
    /// A symlink met in the walk: a file it leads to inside the tree is
    /// read once, under the file's own path (the link's kind of name or
    /// the file's); one outside the tree is passed over, with a word.
    fn symlink(&mut self, root: &Path, inside: Option<&Path>, link: &Path, exclude: &Exclude) {
        let Ok(target) = std::fs::canonicalize(link) else {
            let shown = crate::console::path_shown(&display_path(link));
            self.passed
                .push(format!("{shown}: passed over: a broken symlink"));
            return;
        };
        if !target.is_file() {
            return;
        }
        let within = inside.and_then(|top| target.strip_prefix(top).ok());
        let Some(relative) = within else {
            let shown = crate::console::path_shown(&display_path(link));
            let why = format!(
                "passed over: a symlink to {}, outside the tree",
                crate::console::path_shown(&target)
            );
            self.passed.push(format!("{shown}: {why}"));
            return;
        };
        let path = display_path(&root.join(relative));
        if exclude.excludes(&path, false) {
            return;
        }
        let kind = kind_of(&path, false).or_else(|| kind_of(&display_path(link), false));
        self.files.extend(kind.map(|kind| (path, kind)));
    }
}

/// `./a/Dockerfile` shown as `a/Dockerfile`.
fn display_path(path: &Path) -> PathBuf {
    path.strip_prefix(".").unwrap_or(path).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclude_reads_like_gitignore_lines() {
        let patterns = ["/build", "*.tf", "!keep.tf", "vendor/*", "!vendor/ours"];
        let exclude = Exclude::new(&patterns.map(String::from)).unwrap();
        let out = |p: &str, dir: bool| exclude.excludes(Path::new(p), dir);
        assert!(out("build", true));
        assert!(out("./build/Dockerfile", false));
        assert!(!out("app/build/Dockerfile", false), "a leading / anchors");
        assert!(out("infra/main.tf", false));
        assert!(!out("infra/keep.tf", false), "a later ! re-includes");
        assert!(out("vendor/x/Dockerfile", false));
        assert!(!out("vendor/ours", true));
        assert!(!out("../elsewhere/main.tf", false), "outside the folder");
        assert!(!Exclude::default().excludes(Path::new("main.tf"), false));
        assert!(Exclude::new(&["{a,b".to_string()]).is_err());
    }

    #[test]
    fn kinds_by_name() {
        let kind = |p: &str| kind_of(Path::new(p), false);
        assert_eq!(kind("Dockerfile"), Some(Kind::Dockerfile));
        assert_eq!(kind("a/web.Dockerfile"), Some(Kind::Dockerfile));
        assert_eq!(kind("Dockerfile.prod"), Some(Kind::Dockerfile));
        assert_eq!(kind("Containerfile"), Some(Kind::Dockerfile));
        assert_eq!(kind("README.md"), None);
        assert_eq!(kind("Dockerfiles"), None);
        assert_eq!(kind("Dockerfile_windows"), Some(Kind::Dockerfile));
        assert_eq!(kind("Dockerfile-dev"), Some(Kind::Dockerfile));
        assert_eq!(kind("Dockerfile.dockerignore"), None);
        assert_eq!(kind("compose.yaml"), Some(Kind::Yaml(Rules::Compose)));
        assert_eq!(
            kind("docker-compose.prod.yml"),
            Some(Kind::Yaml(Rules::Compose))
        );
        assert_eq!(kind("k8s.yaml"), Some(Kind::Yaml(Rules::ByContent)));
        assert_eq!(
            kind(".github/workflows/ci.yml"),
            Some(Kind::Yaml(Rules::Workflow))
        );
        assert_eq!(
            kind_of(Path::new("build/base"), true),
            Some(Kind::Dockerfile)
        );
        let yaml = |p: &str| match kind(p) {
            Some(Kind::Yaml(rules)) => Some(rules),
            _ => None,
        };
        assert_eq!(yaml("chart/values.yaml"), Some(Rules::Helm));
        assert_eq!(yaml("chart/values-prod.yml"), Some(Rules::Helm));
        assert_eq!(yaml("base/kustomization.yaml"), Some(Rules::Kustomize));
        assert_eq!(yaml("base/Kustomization"), Some(Rules::Kustomize));
        assert_eq!(yaml(".gitlab-ci.yml"), Some(Rules::GitLab));
        assert_eq!(yaml("ci/build.gitlab-ci.yml"), Some(Rules::GitLab));
        assert_eq!(yaml(".gitlab/ci/lint.yml"), Some(Rules::GitLab));
        assert_eq!(yaml("bitbucket-pipelines.yml"), Some(Rules::Bitbucket));
        assert_eq!(yaml(".circleci/config.yml"), Some(Rules::CircleCi));
        assert_eq!(yaml(".circleci/test-deploy.yml"), Some(Rules::CircleCi));
        assert_eq!(yaml("orb/src/@orb.yml"), Some(Rules::CircleCi));
        assert_eq!(yaml("orb/src/executors/default.yml"), Some(Rules::CircleCi));
        assert_eq!(yaml("config.yml"), Some(Rules::ByContent));
        assert_eq!(yaml(".drone.yml"), Some(Rules::Drone));
        assert_eq!(yaml(".woodpecker.yml"), Some(Rules::Drone));
        assert_eq!(yaml(".woodpecker/test.yaml"), Some(Rules::Drone));
        assert_eq!(yaml("azure-pipelines.yml"), Some(Rules::Azure));
        assert_eq!(yaml("cloudbuild.yaml"), Some(Rules::CloudBuild));
        assert_eq!(kind(".devcontainer.json"), Some(Kind::DevContainer));
        assert_eq!(
            kind(".devcontainer/devcontainer.json"),
            Some(Kind::DevContainer)
        );
        assert_eq!(
            kind(".devcontainer/go/devcontainer.json"),
            Some(Kind::DevContainer)
        );
        assert_eq!(kind("devcontainer.json"), None);
        assert_eq!(kind("docker-bake.hcl"), Some(Kind::BakeHcl));
        assert_eq!(kind("docker-bake.json"), Some(Kind::BakeJson));
        assert_eq!(kind("infra/main.tf"), Some(Kind::Terraform));
        assert_eq!(kind("web.container"), Some(Kind::Quadlet));
        assert_eq!(kind("web.image"), Some(Kind::Quadlet));
    }
}
