//! Writing a pinned file back without losing anything: never over bytes
//! ddigest did not read (a file edited while its references were looked
//! up is left as it is), the owner, group and mode kept, hard links kept,
//! and a symlink still pointing at the file it pointed at. The new bytes
//! go to a temporary file beside the target, which is renamed over it:
//! readers see the old bytes or the new, never a mix. Where a rename would
//! split hard links, or give the file another owner (ddigest running as
//! another user, who cannot hand the copy to the file's owner), the bytes
//! are written into the file itself instead, as editors do.

use std::fs;
use std::io::Write as _;
use std::path::Path;

/// How a file was written back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// Replaced by a rename.
    Renamed,
    /// Written into the file itself, which keeps its hard links or owner.
    InPlace,
}

/// Why a file was not written back.
#[derive(Debug)]
pub enum NotWritten {
    /// Its bytes are no longer those ddigest read: someone edited it.
    Changed,
    Io(std::io::Error),
}

impl std::fmt::Display for NotWritten {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotWritten::Changed => f.write_str(
                "not written: the file changed after ddigest read it; it was left as it is (run pin again)",
            ),
            NotWritten::Io(e) => write!(f, "cannot write: {e}"),
        }
    }
}

impl From<std::io::Error> for NotWritten {
    fn from(e: std::io::Error) -> Self {
        NotWritten::Io(e)
    }
}

/// Replaces `path`'s contents, which ddigest read as `read`, with `new`.
pub fn write_back(path: &Path, read: &[u8], new: &[u8]) -> Result<Written, NotWritten> {
    let target = fs::canonicalize(path)?;
    let metadata = fs::metadata(&target)?;
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    // Hard links: the bytes go into the file itself, once it is seen to
    // be as it was read; a rename would split the names.
    if linked(&metadata) {
        unchanged(&target, read)?;
        in_place(&target, new)?;
        return Ok(Written::InPlace);
    }
    let temp = dir.join(format!(".{name}.ddigest-{}", std::process::id()));
    let outcome = match stage(&temp, new, &metadata) {
        Ok(true) => unchanged(&target, read).and_then(|()| {
            fs::rename(&temp, &target)?;
            Ok(Written::Renamed)
        }),
        // An owner the copy could not be given: written in place too.
        Ok(false) => unchanged(&target, read).and_then(|()| {
            in_place(&target, new)?;
            Ok(Written::InPlace)
        }),
        Err(e) => Err(e.into()),
    };
    if temp.exists() {
        let _ = fs::remove_file(&temp);
    }
    outcome
}

/// Writes the new bytes to `temp` with the target's mode, and (on Unix)
/// its owner and group; `false` when the owner could not be kept.
fn stage(temp: &Path, new: &[u8], metadata: &fs::Metadata) -> std::io::Result<bool> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temp)?;
    file.write_all(new)?;
    file.set_permissions(metadata.permissions())?;
    let owned = keep_owner(&file, metadata);
    file.sync_all()?;
    Ok(owned)
}

#[cfg(unix)]
fn keep_owner(file: &fs::File, metadata: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    let Ok(now) = file.metadata() else {
        return false;
    };
    if (now.uid(), now.gid()) == (metadata.uid(), metadata.gid()) {
        return true;
    }
    std::os::unix::fs::fchown(file, Some(metadata.uid()), Some(metadata.gid())).is_ok()
}

#[cfg(not(unix))]
fn keep_owner(_: &fs::File, _: &fs::Metadata) -> bool {
    true
}

/// Whether the file has other names a rename would split from it.
#[cfg(unix)]
fn linked(metadata: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    metadata.nlink() > 1
}

#[cfg(not(unix))]
fn linked(_: &fs::Metadata) -> bool {
    false
}

/// `Ok` when the file still holds exactly the bytes ddigest read.
fn unchanged(target: &Path, read: &[u8]) -> Result<(), NotWritten> {
    if fs::read(target)? == read {
        Ok(())
    } else {
        Err(NotWritten::Changed)
    }
}

fn in_place(target: &Path, new: &[u8]) -> std::io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(target)?;
    file.write_all(new)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_made_after_the_read_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Dockerfile");
        fs::write(&path, "FROM a:1\n# edited\n").unwrap();
        let got = write_back(&path, b"FROM a:1\n", b"FROM a:1@sha256:x\n");
        assert!(matches!(got, Err(NotWritten::Changed)), "{got:?}");
        assert_eq!(fs::read(&path).unwrap(), b"FROM a:1\n# edited\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temp left");
    }

    #[cfg(unix)]
    #[test]
    fn hard_links_stay_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("Dockerfile"), dir.path().join("b"));
        fs::write(&a, "FROM a:1\n").unwrap();
        fs::hard_link(&a, &b).unwrap();
        let got = write_back(&a, b"FROM a:1\n", b"FROM a:2\n").unwrap();
        assert_eq!(got, Written::InPlace);
        assert_eq!(fs::read(&b).unwrap(), b"FROM a:2\n");
        let single = dir.path().join("single");
        fs::write(&single, "x").unwrap();
        assert_eq!(write_back(&single, b"x", b"y").unwrap(), Written::Renamed);
    }
}
