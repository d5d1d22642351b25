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
}

/// The kind a file's name says; files named on the command line that say
/// nothing are read as Dockerfiles.
pub fn kind_of(path: &Path, named: bool) -> Option<Kind> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let extension = name.rsplit_once('.').map(|(_, e)| e);
    if matches!(extension, Some("yml" | "yaml")) {
        let in_workflows = path
            .parent()
            .is_some_and(|p| p.ends_with(".github/workflows"));
        let compose = ["compose.", "docker-compose."]
            .iter()
            .any(|prefix| name.starts_with(prefix));
        let rules = if in_workflows {
            Rules::Workflow
        } else if compose {
            Rules::Compose
        } else {
            Rules::ByContent
        };
        return Some(Kind::Yaml(rules));
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
    }
}
