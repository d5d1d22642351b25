//! Reading the files `pin` and `check` work on: each file found, read as
//! bytes and given to its kind's scanner as text (a UTF-8 byte-order mark
//! set aside, bytes that are not UTF-8 seen as `?` one for one, so every
//! offset still points into the file), and each site's reference parsed.
//! Skips and unreadable files are said on stderr here, as `ddigest:
//! FILE:LINE: …`; a file of a known kind that cannot be read at all makes
//! the run fail.

use super::files::{discover, Discovered, Exclude, Kind};
use super::finding::{column, Finding, Reason, Status as FindingStatus};
use super::ignore::{remove_ignored, Comments};
use super::site::{Found, Site, Skip};
use super::{dockerfile, hcl, json, quadlet, yaml};
use crate::console::{say, say_run};
use crate::exit::Failure;
use crate::reference::Reference;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// Files larger than this are not image manifests of any kind ddigest edits.
const MAX_FILE_BYTES: u64 = 4 << 20;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A file and the references in it.
pub struct Scanned {
    pub path: PathBuf,
    /// The file as read (UTF-16 made UTF-8); edits apply to these bytes.
    pub bytes: Vec<u8>,
    /// How the file is encoded on disk, for writing it back.
    pub encoding: Encoding,
    pub sites: Vec<Located>,
    /// References found and left alone, with why (said on stderr).
    pub skips: Vec<Skip>,
}

/// A site with its reference parsed.
pub struct Located {
    pub site: Site,
    pub reference: Result<Reference, Failure>,
    /// Whether the span holds the reference's own characters. A reference
    /// that already carries a digest but is written in a way ddigest
    /// cannot edit (escaped line breaks) is still checked, never rewritten.
    pub editable: bool,
}

/// A text file's encoding: UTF-8, or UTF-16 with its byte-order mark
/// (which YAML allows, and Windows tools write).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    /// UTF-8 `bytes` as they are written in this encoding.
    pub fn encode(self, bytes: &[u8]) -> Cow<'_, [u8]> {
        let text = String::from_utf8_lossy(bytes);
        let units = text.encode_utf16();
        match self {
            Encoding::Utf8 => Cow::Borrowed(bytes),
            Encoding::Utf16Le => Cow::Owned(units.flat_map(u16::to_le_bytes).collect()),
            Encoding::Utf16Be => Cow::Owned(units.flat_map(u16::to_be_bytes).collect()),
        }
    }
}

/// A UTF-16 file (its byte-order mark kept) as UTF-8 bytes; `None` for
/// bytes that are not UTF-16 with a mark, an error for broken UTF-16.
fn from_utf16(bytes: &[u8]) -> Option<Result<(Vec<u8>, Encoding), String>> {
    let encoding = match bytes.get(..2)? {
        b"\xFF\xFE" => Encoding::Utf16Le,
        b"\xFE\xFF" => Encoding::Utf16Be,
        _ => return None,
    };
    let pairs = bytes.chunks_exact(2).map(|p| [p[0], p[1]]);
    let units: Vec<u16> = match encoding {
        Encoding::Utf16Le => pairs.map(u16::from_le_bytes).collect(),
        _ => pairs.map(u16::from_be_bytes).collect(),
    };
    let text = bytes
        .len()
        .is_multiple_of(2)
        .then(|| String::from_utf16(&units).ok())
        .flatten()
        .ok_or_else(|| "cannot read: broken UTF-16 text".to_string());
    Some(text.map(|t| (t.into_bytes(), encoding)))
}

/// Something said about a file on stderr, as `FILE[:LINE]: text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub line: Option<usize>,
    pub text: String,
}

/// What reading one file gave: its sites (none for a file passed over),
/// what is said about it, and why it could not be read at all.
#[derive(Default)]
pub struct Read {
    pub scanned: Option<Scanned>,
    pub notes: Vec<Note>,
    pub refused: Option<String>,
}

impl Scanned {
    /// References left unpinned for a reason other than design (written in
    /// a way ddigest cannot edit): `check --require-pins` counts them.
    pub fn unpinnable(&self) -> impl Iterator<Item = &Skip> {
        self.skips.iter().filter(|s| !s.by_design)
    }

    /// A site's finding, at its line and column, with `status`.
    pub fn site_finding(&self, site: &Site, status: FindingStatus) -> Finding {
        let path = crate::console::path_shown(&self.path);
        let mut finding = Finding::new(&path, site.line, &site.image, status);
        finding.column = Some(column(&self.bytes, site.span.start));
        finding
    }

    /// A finding for a reference left alone, with why, as `status`.
    pub fn skip_finding(&self, skip: &Skip, status: FindingStatus) -> Finding {
        let path = crate::console::path_shown(&self.path);
        let mut finding = Finding::new(&path, skip.line, &skip.text, status);
        finding.reason = Some(Reason {
            code: None,
            message: skip.reason.clone(),
        });
        finding
    }

    /// `FILE:LINE` of a site, for messages.
    pub fn at(&self, site: &Site) -> String {
        format!("{}:{}", crate::console::path_shown(&self.path), site.line)
    }
}

/// Every file under `paths` with its sites; `false` when a folder or a
/// file of a known kind could not be read (said on stderr). A file whose
/// reading panics is said as an internal error and the others are read.
pub fn scan_paths(paths: &[PathBuf], exclude: &Exclude, verbose: bool) -> (Vec<Scanned>, bool) {
    let Discovered {
        files,
        problems,
        passed,
    } = discover(paths, exclude);
    let mut ok = problems.is_empty();
    for problem in problems {
        say_run(&problem);
    }
    if verbose {
        passed.iter().for_each(|why| say_run(why));
    }
    let mut out = Vec::new();
    for (path, kind) in files {
        let shown = crate::console::path_shown(&path);
        let Some(read) = crate::panic::guard(&shown, || read_file(&path, kind)) else {
            ok = false;
            continue;
        };
        for note in &read.notes {
            match note.line {
                Some(line) => say(&format!("{shown}:{line}"), &note.text),
                None => say(&shown, &note.text),
            }
        }
        if let Some(why) = read.refused {
            say(&shown, &why);
            ok = false;
        }
        out.extend(read.scanned);
    }
    (out, ok)
}

/// One file read from disk and scanned.
fn read_file(path: &Path, kind: Kind) -> Read {
    // `*.image` and `*.container` are Quadlet units only when they are
    // text; a disk image so named is passed over without a word.
    let quiet = kind == Kind::Quadlet;
    match read(path) {
        Ok(Some(bytes)) => scan_bytes(path, kind, bytes),
        Ok(None) if quiet => Read::default(),
        Ok(None) => Read {
            notes: vec![Note {
                line: None,
                text: "skipped: larger than 4 MiB".to_string(),
            }],
            ..Read::default()
        },
        Err(_) if quiet => Read::default(),
        Err(why) => Read {
            refused: Some(why),
            ..Read::default()
        },
    }
}

/// The file's bytes; `None` for a file too large to be one ddigest edits.
fn read(path: &Path) -> Result<Option<Vec<u8>>, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read: {e}"))?
        .len();
    if size > MAX_FILE_BYTES {
        return Ok(None);
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    Ok(Some(bytes))
}

/// Why bytes are not a text file ddigest reads, if they are not.
fn text_check(bytes: &[u8]) -> Result<(), String> {
    if bytes.contains(&0) {
        return Err("cannot read: binary data, not text".to_string());
    }
    Ok(())
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

/// One file's bytes, of the kind its name gave, scanned as `pin` and
/// `check` scan it: the sites with their references parsed, and what is
/// to be said about the file. Does no I/O.
pub fn scan_bytes(path: &Path, kind: Kind, bytes: Vec<u8>) -> Read {
    let (bytes, encoding) = match from_utf16(&bytes) {
        None => (bytes, Encoding::Utf8),
        Some(Ok(decoded)) => decoded,
        Some(Err(why)) => {
            return Read {
                refused: Some(why),
                ..Read::default()
            }
        }
    };
    if let Err(why) = text_check(&bytes) {
        let quiet = kind == Kind::Quadlet;
        return Read {
            refused: (!quiet).then_some(why),
            ..Read::default()
        };
    }
    let bom = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let text = as_text(&bytes[bom..]);
    let mut notes = Vec::new();
    let found = match found_in(&text, kind, &mut notes) {
        Ok(Some(found)) => found,
        Ok(None) => {
            return Read {
                notes,
                ..Read::default()
            }
        }
        Err(why) => {
            return Read {
                notes,
                refused: Some(why),
                ..Read::default()
            }
        }
    };
    let mut found = remove_ignored(&text, found, comments(kind));
    for site in &mut found.sites {
        site.span = site.span.start + bom..site.span.end + bom;
    }
    if found.sites.is_empty() && found.skips.is_empty() {
        notes.extend(what_was_missed(kind, &text));
    }
    let Found { sites, skips } = found;
    let mut sites: Vec<Located> = sites
        .into_iter()
        .map(|site| {
            let reference = Reference::parse_normalized(&site.image).map_err(|e| e.failure());
            Located {
                site,
                reference,
                editable: true,
            }
        })
        .collect();
    let mut kept = Vec::new();
    for skip in skips {
        match already_pinned(&skip) {
            Some(reference) => sites.push(pinned_in_place(&bytes, skip, reference)),
            None => kept.push(skip),
        }
    }
    let skips = kept;
    for skip in &skips {
        let text = format!("{}: skipped: {}", skip.text, skip.reason);
        notes.push(Note {
            line: Some(skip.line),
            text,
        });
    }
    sites.sort_by_key(|l| (l.site.line, l.site.span.start));
    Read {
        scanned: Some(Scanned {
            path: path.to_path_buf(),
            bytes,
            encoding,
            sites,
            skips,
        }),
        notes,
        refused: None,
    }
}

/// The scanner's reading of a file's text; `None` for a file passed over.
fn found_in(text: &str, kind: Kind, notes: &mut Vec<Note>) -> Result<Option<Found>, String> {
    Ok(Some(match kind {
        Kind::Dockerfile => dockerfile::scan(text),
        Kind::Quadlet => quadlet::scan(text),
        Kind::Yaml(rules) => match yaml::scan(text, rules) {
            Ok(found) => found,
            Err(why) => return unreadable_yaml(text, &why, notes),
        },
        Kind::DevContainer => json::scan(text, json::Rules::DevContainer).map_err(unreadable)?,
        Kind::BakeJson => json::scan(text, json::Rules::Bake).map_err(unreadable)?,
        Kind::BakeHcl => hcl::scan(text, hcl::Rules::Bake).map_err(unreadable)?,
        Kind::Terraform => match hcl::scan(text, hcl::Rules::Terraform) {
            Ok(found) => found,
            // A configuration that names no image need not be read at all.
            Err(_) if !hcl::may_name_images(text) => return Ok(None),
            Err(why) => return Err(unreadable(why)),
        },
    }))
}

/// A reference left alone only because it cannot be edited in place, that
/// already carries a digest: it is pinned, and `check` verifies it.
fn already_pinned(skip: &Skip) -> Option<Reference> {
    if skip.by_design {
        return None;
    }
    let reference = Reference::parse_normalized(&skip.text).ok()?;
    reference.digest().is_some().then_some(reference)
}

/// A pinned reference ddigest cannot edit, as a site that is only
/// checked: at its line, where the name starts when it is found there.
fn pinned_in_place(bytes: &[u8], skip: Skip, reference: Reference) -> Located {
    let line_start = line_start(bytes, skip.line);
    let line_end = bytes[line_start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |n| line_start + n);
    let name = skip.text.split('@').next().unwrap_or_default().as_bytes();
    let at = bytes[line_start..line_end]
        .windows(name.len().max(1))
        .position(|w| w == name)
        .map_or(line_start, |n| line_start + n);
    Located {
        site: Site::reference(skip.line, at..at, "", skip.text),
        reference: Ok(reference),
        editable: false,
    }
}

/// Byte offset where 1-based `line` starts (the end for a line past it).
fn line_start(bytes: &[u8], line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    bytes
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .nth(line - 2)
        .map_or(bytes.len(), |(at, _)| at + 1)
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
fn unreadable_yaml(text: &str, why: &str, notes: &mut Vec<Note>) -> Result<Option<Found>, String> {
    if text.contains("{{") {
        if text.contains("apiVersion:") && text.contains("kind:") {
            return Ok(Some(yaml::template::scan(text)));
        }
        notes.push(Note {
            line: None,
            text: "skipped: a template ({{ … }}), not YAML".to_string(),
        });
        return Ok(None);
    }
    let names_images = text.contains("image:") || text.contains("docker://");
    if names_images {
        return Err(format!("cannot read: not valid YAML: {why}"));
    }
    Ok(None)
}

/// For a file that yields nothing although it has lines that look like
/// image references: a note, so it is never passed over in silence.
fn what_was_missed(kind: Kind, text: &str) -> Option<Note> {
    let (word, what) = match kind {
        Kind::Dockerfile => ("FROM", "a FROM line with no image ddigest could read"),
        Kind::Yaml(_) => (
            "image:",
            "an image: key outside the places this kind of file keeps images",
        ),
        _ => return None,
    };
    let index = text.lines().position(|l| starts_with_word(l, word))?;
    Some(Note {
        line: Some(index + 1),
        text: format!("no reference pinned: {what}"),
    })
}

/// Whether a line, less its indent and a list's `- `, starts with `word`
/// (any case) and has more after it. Compares bytes: a line may start with
/// any character, `ℹ️` of GitHub's CodeQL workflow among them.
fn starts_with_word(line: &str, word: &str) -> bool {
    let line = line.trim_start().trim_start_matches("- ").as_bytes();
    line.len() > word.len() && line[..word.len()].eq_ignore_ascii_case(word.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_of_any_text_is_compared_as_bytes() {
        // GitHub's default CodeQL workflow: `ℹ️` is 6 bytes, ending at 8.
        assert!(!starts_with_word(
            "    # ℹ️ Command-line programs",
            "image:"
        ));
        assert!(!starts_with_word("é", "FROM"));
        assert!(starts_with_word("  - Image: x", "image:"));
        let text = "on: push\njobs:\n  a:\n    steps:\n    # ℹ️ Command-line programs to run using the OS shell.\n    - run: make\n";
        let read = scan_bytes(
            Path::new("codeql.yml"),
            Kind::Yaml(yaml::Rules::Workflow),
            text.into(),
        );
        assert!(read.refused.is_none() && read.notes.is_empty());
    }

    #[test]
    fn a_pinned_reference_that_cannot_be_edited_is_still_a_pin() {
        let hex = "0649946c6107e35401ce940e5e6e8d700b034a0ee55293350e4db6d0793d74f9";
        let text = format!("kind: pipeline\nsteps:\n- name: a\n  image: \"amd64/node:10.0.0\\\n    @sha256:{hex}\"\n- name: b\n  image: \"node:1\\\n    4\"\n");
        let read = scan_bytes(
            Path::new(".drone.yml"),
            Kind::Yaml(yaml::Rules::Drone),
            text.into(),
        );
        let scanned = read.scanned.unwrap();
        assert_eq!(scanned.sites.len(), 1);
        let located = &scanned.sites[0];
        assert!(!located.editable);
        assert_eq!(located.site.line, 4);
        assert_eq!(
            located.site.span.start,
            text_offset(&scanned.bytes, "amd64/node")
        );
        assert!(located.reference.as_ref().unwrap().digest().is_some());
        // The one without a digest is still not pinned.
        assert_eq!(scanned.unpinnable().count(), 1);
    }

    fn text_offset(bytes: &[u8], what: &str) -> usize {
        bytes
            .windows(what.len())
            .position(|w| w == what.as_bytes())
            .unwrap()
    }
}
