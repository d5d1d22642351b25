//! Which files `pin` and `check` read, and how they are written back: a
//! walk of the paths given (directories recursively, honouring .gitignore,
//! .ignore and .git/info/exclude, `.git` itself left out), each file's kind
//! by its name, and atomic writes (temporary file beside the target, its
//! mode copied, then renamed over it; symlinks are followed).

use super::yaml::Rules;
use std::fs;
use std::io::Write as _;
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
        || (name == "devcontainer.json" && (parent(".devcontainer") || grandparent(".devcontainer")))
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
    } else if stem == "config" && parent(".circleci") {
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

/// The files under `paths` that `pin` reads, sorted, each once; the
/// problems met on the way (unreadable folders) as messages.
pub fn discover(paths: &[PathBuf]) -> (Vec<(PathBuf, Kind)>, Vec<String>) {
    let mut found: Vec<(PathBuf, Kind)> = Vec::new();
    let mut problems = Vec::new();
    for root in paths {
        if root.is_file() {
            found.extend(kind_of(root, true).map(|kind| (root.clone(), kind)));
            continue;
        }
        let walk = ignore::WalkBuilder::new(root)
            .hidden(false)
            .require_git(false)
            .filter_entry(|entry| entry.file_name() != ".git")
            .build();
        for entry in walk {
            match entry {
                Ok(entry) if entry.file_type().is_some_and(|t| t.is_file()) => {
                    let path = display_path(entry.path());
                    found.extend(kind_of(&path, false).map(|kind| (path, kind)));
                }
                Ok(_) => {}
                Err(e) => problems.push(e.to_string()),
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found.dedup_by(|a, b| a.0 == b.0);
    (found, problems)
}

/// `./a/Dockerfile` shown as `a/Dockerfile`.
fn display_path(path: &Path) -> PathBuf {
    path.strip_prefix(".").unwrap_or(path).to_path_buf()
}

/// Replaces the file's contents all at once: readers see the old bytes or
/// the new, never a mix. The mode is kept, and a symlink keeps pointing at
/// the (rewritten) file it pointed at.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = fs::canonicalize(path)?;
    let permissions = fs::metadata(&target)?.permissions();
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(".{name}.ddigest-{}", std::process::id()));
    let written = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.set_permissions(permissions)?;
        file.sync_all()?;
        fs::rename(&temp, &target)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(yaml("config.yml"), Some(Rules::ByContent));
        assert_eq!(yaml(".drone.yml"), Some(Rules::Drone));
        assert_eq!(yaml(".woodpecker.yml"), Some(Rules::Drone));
        assert_eq!(yaml(".woodpecker/test.yaml"), Some(Rules::Drone));
        assert_eq!(yaml("azure-pipelines.yml"), Some(Rules::Azure));
        assert_eq!(yaml("cloudbuild.yaml"), Some(Rules::CloudBuild));
        assert_eq!(kind(".devcontainer.json"), Some(Kind::DevContainer));
        assert_eq!(kind(".devcontainer/devcontainer.json"), Some(Kind::DevContainer));
        assert_eq!(kind(".devcontainer/go/devcontainer.json"), Some(Kind::DevContainer));
        assert_eq!(kind("devcontainer.json"), None);
        assert_eq!(kind("docker-bake.hcl"), Some(Kind::BakeHcl));
        assert_eq!(kind("docker-bake.json"), Some(Kind::BakeJson));
        assert_eq!(kind("infra/main.tf"), Some(Kind::Terraform));
        assert_eq!(kind("web.container"), Some(Kind::Quadlet));
        assert_eq!(kind("web.image"), Some(Kind::Quadlet));
    }
}
