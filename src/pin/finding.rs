//! One reference site's outcome in `pin` or `check`, in a form every
//! output format reads: where it is (file, line, column), the image as
//! written, its status, the digest in the file and the tag's digest now,
//! the platform of a platform pin, why it was skipped or failed, and for a
//! drift what moved. `check`'s text lines are made here too. Pure.

use super::drift::Drift;
use crate::exit::Failure;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// `pin`: written with its digest now.
    Pinned,
    /// Pinned already, and the tag still points at it.
    Unchanged,
    Drifted,
    /// The pinned digest is no longer in the registry.
    Gone,
    /// No digest in the file.
    Unpinned,
    /// Left alone: by design, or written in a way ddigest cannot edit.
    Skipped,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pinned => "pinned",
            Status::Unchanged => "unchanged",
            Status::Drifted => "drifted",
            Status::Gone => "gone",
            Status::Unpinned => "unpinned",
            Status::Skipped => "skipped",
            Status::Failed => "failed",
        }
    }
}

/// Why a site was skipped or failed: the error code (as `--format json`
/// of a resolution says it), when there is one, and the words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    pub code: Option<&'static str>,
    pub message: String,
}

impl From<&Failure> for Reason {
    fn from(f: &Failure) -> Self {
        Reason {
            code: Some(f.code.as_str()),
            message: f.message.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub file: String,
    pub line: usize,
    pub column: Option<usize>,
    /// The reference as written (variables as they are).
    pub image: String,
    pub status: Status,
    pub pinned: Option<String>,
    pub current: Option<String>,
    pub platform: Option<String>,
    pub reason: Option<Reason>,
    pub platforms: Option<Drift>,
}

impl Finding {
    pub fn new(file: &str, line: usize, image: &str, status: Status) -> Finding {
        Finding {
            file: file.to_string(),
            line,
            column: None,
            image: image.to_string(),
            status,
            pinned: None,
            current: None,
            platform: None,
            reason: None,
            platforms: None,
        }
    }

    /// Whether `check` fails on it (`unpinned` only with `--require-pins`;
    /// a skip that could not be edited counts as unpinned then).
    pub fn fails(&self, require_pins: bool) -> bool {
        match self.status {
            Status::Drifted | Status::Gone | Status::Failed => true,
            Status::Unpinned => require_pins,
            _ => false,
        }
    }

    /// `check`'s text line, for a site that fails on something other than
    /// an error (errors are said on stderr).
    pub fn check_line(&self, require_pins: bool) -> Option<String> {
        let at = format!("{}:{}", self.file, self.line);
        let written = self
            .image
            .rsplit_once('@')
            .map_or(self.image.as_str(), |(n, _)| n);
        match (self.status, &self.pinned, &self.current) {
            (Status::Drifted, Some(pinned), Some(now)) => {
                let moved = self.platforms.as_ref().map_or(String::new(), |d| format!(" ({})", d.tail()));
                Some(format!("{at}: {written} pinned to {pinned}, tag now {now}{moved}"))
            }
            (Status::Gone, Some(pinned), Some(now)) => Some(format!(
                "{at}: {written} pinned to {pinned}, tag now {now} (the pinned digest no longer exists)"
            )),
            (Status::Gone, _, None) => Some(format!("{at}: {} no longer exists in the registry", self.image)),
            (Status::Unpinned, _, _) if require_pins => Some(match &self.reason {
                Some(reason) => format!("{at}: {} is not pinned ({})", self.image, reason.message),
                None => format!("{at}: {written} is not pinned"),
            }),
            _ => None,
        }
    }
}

/// The 1-based column of byte `offset` in `bytes`.
pub fn column(bytes: &[u8], offset: usize) -> usize {
    let offset = offset.min(bytes.len());
    let start = bytes[..offset]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    offset - start + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_lines_and_columns() {
        let mut f = Finding::new("Dockerfile", 3, "r/app:1@sha256:aa", Status::Drifted);
        f.pinned = Some("sha256:aa".into());
        f.current = Some("sha256:bb".into());
        assert_eq!(
            f.check_line(false).unwrap(),
            "Dockerfile:3: r/app:1 pinned to sha256:aa, tag now sha256:bb"
        );
        assert!(f.fails(false));
        let u = Finding::new("Dockerfile", 4, "r/app:1", Status::Unpinned);
        assert_eq!(u.check_line(false), None);
        assert!(!u.fails(false) && u.fails(true));
        assert_eq!(
            u.check_line(true).unwrap(),
            "Dockerfile:4: r/app:1 is not pinned"
        );
        assert_eq!(column(b"FROM a\nFROM b", 12), 6);
        assert_eq!(column(b"FROM a", 5), 6);
    }
}
