//! Reading the files `pin` and `check` work on: each file found, read as
//! bytes and given to its kind's scanner as text (a UTF-8 byte-order mark
//! set aside, bytes that are not UTF-8 seen as `?` one for one, so every
//! offset still points into the file), and each site's reference parsed.
//! Skips and unreadable files are said on stderr here, as `ddigest:
//! FILE:LINE: …`; a file of a known kind that cannot be read at all makes
//! the run fail.

use super::files::{discover, Exclude, Kind};
use super::finding::{column, Finding, Reason, Status as FindingStatus};
use super::ignore::{remove_ignored, Comments};
use super::site::{Found, Site, Skip};
use super::{dockerfile, hcl, json, quadlet, yaml};
use crate::console::{say, say_run};
use crate::exit::Failure;
use crate::reference::Reference;
use std::path::{Path, PathBuf};

/// Files larger than this are not image manifests of any kind ddigest edits.
const MAX_FILE_BYTES: u64 = 4 << 20;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A file and the references in it.
pub struct Scanned {
    pub path: PathBuf,
    /// The file as read; edits apply to these bytes.
    pub bytes: Vec<u8>,
    pub sites: Vec<Located>,
    /// References found and left alone, with why (said on stderr).
    pub skips: Vec<Skip>,
}

/// A site with its reference parsed.
pub struct Located {
    pub site: Site,
    pub reference: Result<Reference, Failure>,
}

impl Scanned {
    /// References left unpinned for a reason other than design (written in
    /// a way ddigest cannot edit): `check --require-pins` counts them.
    pub fn unpinnable(&self) -> impl Iterator<Item = &Skip> {
        self.skips.iter().filter(|s| !s.by_design)
    }

    /// A site's finding, at its line and column, with `status`.
    pub fn site_finding(&self, site: &Site, status: FindingStatus) -> Finding {
        let path = self.path.display().to_string();
        let mut finding = Finding::new(&path, site.line, &site.image, status);
        finding.column = Some(column(&self.bytes, site.span.start));
        finding
    }

    /// A finding for a reference left alone, with why, as `status`.
    pub fn skip_finding(&self, skip: &Skip, status: FindingStatus) -> Finding {
        let path = self.path.display().to_string();
        let mut finding = Finding::new(&path, skip.line, &skip.text, status);
        finding.reason = Some(Reason {
            code: None,
            message: skip.reason.clone(),
        });
        finding
    }

    /// `FILE:LINE` of a site, for messages.
    pub fn at(&self, site: &Site) -> String {
        format!("{}:{}", self.path.display(), site.line)
    }
}

/// Every file under `paths` with its sites; `false` when a folder or a
/// file of a known kind could not be read (said on stderr).
pub fn scan_paths(paths: &[PathBuf], exclude: &Exclude) -> (Vec<Scanned>, bool) {
    let (files, problems) = discover(paths, exclude);
    let mut ok = problems.is_empty();
    for problem in problems {
        say_run(&problem);
    }
    let mut out = Vec::new();
    for (path, kind) in files {
        // `*.image` and `*.container` are Quadlet units only when they are
        // text; a disk image so named is passed over without a word.
        let quiet = kind == Kind::Quadlet;
        let scanned = match read(&path, quiet) {
            Ok(Some(bytes)) => scan_file(path.clone(), kind, bytes),
            Ok(None) => Ok(None),
            Err(_) if quiet => Ok(None),
            Err(why) => Err(why),
        };
        match scanned {
            Ok(Some(scanned)) => out.push(scanned),
            Ok(None) => {}
            Err(why) => {
                say(&path.display().to_string(), &why);
                ok = false;
            }
        }
    }
    (out, ok)
}

/// The file's bytes; `None` (said on stderr unless `quiet`) for a file too
/// large to be one ddigest edits; an error for one it cannot read as text.
fn read(path: &Path, quiet: bool) -> Result<Option<Vec<u8>>, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read: {e}"))?
        .len();
    if size > MAX_FILE_BYTES {
        if !quiet {
            say(&path.display().to_string(), "skipped: larger than 4 MiB");
        }
        return Ok(None);
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err("cannot read: UTF-16 text; save it as UTF-8".to_string());
    }
    if bytes.contains(&0) {
        return Err("cannot read: binary data, not text".to_string());
    }
    Ok(Some(bytes))
}

/// `bytes` as text of the same length: each byte that is not part of
/// valid UTF-8 becomes `?`. References are ASCII, so they read the same.
fn as_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        out.extend(std::iter::repeat_n('?', chunk.invalid().len()));
    }
    out
}

fn scan_file(path: PathBuf, kind: Kind, bytes: Vec<u8>) -> Result<Option<Scanned>, String> {
    let bom = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let text = as_text(&bytes[bom..]);
    let found = match kind {
        Kind::Dockerfile => dockerfile::scan(&text),
        Kind::Quadlet => quadlet::scan(&text),
        Kind::Yaml(rules) => match yaml::scan(&text, rules) {
            Ok(found) => found,
            Err(why) => match unreadable_yaml(&path, &text, &why)? {
                Some(found) => found,
                None => return Ok(None),
            },
        },
        Kind::DevContainer => json::scan(&text, json::Rules::DevContainer).map_err(unreadable)?,
        Kind::BakeJson => json::scan(&text, json::Rules::Bake).map_err(unreadable)?,
        Kind::BakeHcl => hcl::scan(&text, hcl::Rules::Bake).map_err(unreadable)?,
        Kind::Terraform => match hcl::scan(&text, hcl::Rules::Terraform) {
            Ok(found) => found,
            // A configuration that names no image need not be read at all.
            Err(_) if !hcl::may_name_images(&text) => return Ok(None),
            Err(why) => return Err(unreadable(why)),
        },
    };
    let mut found = remove_ignored(&text, found, comments(kind));
    for site in &mut found.sites {
        site.span = site.span.start + bom..site.span.end + bom;
    }
    if found.sites.is_empty() && found.skips.is_empty() {
        say_what_was_missed(&path, kind, &text);
    }
    let Found { sites, skips } = found;
    for skip in &skips {
        let (line, text, reason) = (skip.line, &skip.text, &skip.reason);
        let at = format!("{}:{line}", path.display());
        say(&at, &format!("{text}: skipped: {reason}"));
    }
    let sites = sites
        .into_iter()
        .map(|site| {
            let reference = Reference::parse_normalized(&site.image).map_err(|e| e.failure());
            Located { site, reference }
        })
        .collect();
    Ok(Some(Scanned {
        path,
        bytes,
        sites,
        skips,
    }))
}

fn unreadable(why: String) -> String {
    format!("cannot read: {why}")
}

/// The comments a kind of file has, for `ddigest: ignore`.
fn comments(kind: Kind) -> Comments {
    match kind {
        Kind::Dockerfile | Kind::Quadlet => Comments::WholeLineHash,
        Kind::Yaml(_) => Comments::Hash,
        Kind::DevContainer => Comments::Slashes,
        Kind::BakeJson => Comments::None,
        Kind::BakeHcl | Kind::Terraform => Comments::HashOrSlashes,
    }
}

/// A YAML file libyaml refuses: a Kubernetes template (Helm, Go) is read
/// line by line for literal images; another template is passed over with
/// a word; any other file that names images is a failure.
fn unreadable_yaml(path: &Path, text: &str, why: &str) -> Result<Option<Found>, String> {
    if text.contains("{{") {
        if text.contains("apiVersion:") && text.contains("kind:") {
            return Ok(Some(yaml::template::scan(text)));
        }
        let why = "skipped: a template ({{ … }}), not YAML";
        say(&path.display().to_string(), why);
        return Ok(None);
    }
    let names_images = text.contains("image:") || text.contains("docker://");
    if names_images {
        return Err(format!("cannot read: not valid YAML: {why}"));
    }
    Ok(None)
}

/// A file that yields nothing although it has lines that look like image
/// references: said, so it is never passed over in silence.
fn say_what_was_missed(path: &Path, kind: Kind, text: &str) {
    let (word, what) = match kind {
        Kind::Dockerfile => ("FROM", "a FROM line with no image ddigest could read"),
        Kind::Yaml(_) => (
            "image:",
            "an image: key outside the places this kind of file keeps images",
        ),
        _ => return,
    };
    let line = text.lines().position(|l| {
        let l = l.trim_start().trim_start_matches("- ");
        l.len() > word.len() && l[..word.len()].eq_ignore_ascii_case(word)
    });
    if let Some(index) = line {
        let at = format!("{}:{}", path.display(), index + 1);
        say(&at, &format!("no reference pinned: {what}"));
    }
}
