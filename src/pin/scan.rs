//! Reading the files `pin` and `check` work on: each file found, read as
//! UTF-8, scanned by its kind, and each site's reference parsed. Skips and
//! unreadable files are said on stderr here, as `ddigest: FILE:LINE: …`.

use super::files::{discover, Kind};
use super::site::{Found, Site};
use super::{dockerfile, yaml};
use crate::batch::Failure;
use crate::reference::Reference;
use std::path::PathBuf;

/// Files larger than this are not image manifests of any kind ddigest edits.
const MAX_FILE_BYTES: u64 = 4 << 20;

/// A file and the references in it.
pub struct Scanned {
    pub path: PathBuf,
    pub text: String,
    pub sites: Vec<Located>,
}

/// A site with its reference parsed.
pub struct Located {
    pub site: Site,
    pub reference: Result<Reference, Failure>,
}

impl Scanned {
    /// `FILE:LINE` of a site, for messages.
    pub fn at(&self, site: &Site) -> String {
        format!("{}:{}", self.path.display(), site.line)
    }
}

/// Every file under `paths` with its sites; `false` when a folder or file
/// could not be read (said on stderr).
pub fn scan_paths(paths: &[PathBuf]) -> (Vec<Scanned>, bool) {
    let (files, problems) = discover(paths);
    let mut ok = problems.is_empty();
    for problem in problems {
        eprintln!("ddigest: {problem}");
    }
    let mut out = Vec::new();
    for (path, kind) in files {
        match read(&path) {
            Ok(Some(text)) => out.extend(scan_file(path, kind, text)),
            Ok(None) => {}
            Err(why) => {
                eprintln!("ddigest: {}: {why}", path.display());
                ok = false;
            }
        }
    }
    (out, ok)
}

/// The file's text; `None` (said on stderr) for files that are not text.
fn read(path: &PathBuf) -> Result<Option<String>, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read: {e}"))?
        .len();
    if size > MAX_FILE_BYTES {
        eprintln!("ddigest: {}: skipped: larger than 4 MiB", path.display());
        return Ok(None);
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Some(text)),
        Err(_) => {
            eprintln!("ddigest: {}: skipped: not UTF-8 text", path.display());
            Ok(None)
        }
    }
}

fn scan_file(path: PathBuf, kind: Kind, text: String) -> Option<Scanned> {
    let found = match kind {
        Kind::Dockerfile => dockerfile::scan(&text),
        Kind::Yaml(rules) => match yaml::scan(&text, rules) {
            Ok(found) => found,
            Err(why) => {
                // Only files that look as if they hold images are worth a word.
                if text.contains("image:") || text.contains("docker://") {
                    eprintln!(
                        "ddigest: {}: skipped: not valid YAML: {why}",
                        path.display()
                    );
                }
                return None;
            }
        },
    };
    let Found { sites, skips } = found;
    for skip in skips {
        let (line, text, reason) = (skip.line, skip.text, skip.reason);
        eprintln!(
            "ddigest: {}:{line}: {text}: skipped: {reason}",
            path.display()
        );
    }
    let sites = sites
        .into_iter()
        .map(|site| {
            let reference =
                Reference::parse_normalized(&site.image).map_err(|e| Failure::of(&e.into()));
            Located { site, reference }
        })
        .collect();
    Some(Scanned { path, text, sites })
}
