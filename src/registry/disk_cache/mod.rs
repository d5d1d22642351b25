//! The cache ddigest runs of one user share, so one reference far away is
//! a few round trips: per registry, the scheme that worked, the Bearer
//! challenge and the tokens granted (see `entry`). It lives in
//! `$DDIGEST_CACHE_DIR`, else `$XDG_CACHE_HOME/ddigest`, else (Windows)
//! `%LOCALAPPDATA%\ddigest`, else `~/.cache/ddigest`; `--no-cache` or
//! `DDIGEST_NO_CACHE=1` turn it off.
//! Safe on shared machines and in parallel CI steps: the folder is 0700
//! and files 0600, written to a new file then renamed (so a reader never
//! sees half a file and writers never wait for each other), never read or
//! written through a symlink; a folder or file owned by another user or
//! writable by others is not used, and an unreadable file is replaced.
//! Nothing here is ever an error: a cache that cannot be used is no cache.
//! Ownership and modes are Unix's: where they cannot be checked (Windows),
//! the cache is not used.

pub mod entry;

use crate::credentials::config::Credential;
use entry::Entry;
use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

/// Largest cache file read.
const MAX_FILE: u64 = 1024 * 1024;
const KEY_FILE: &str = "key";
const KEY_LEN: usize = 32;

/// An open cache folder and its fingerprint key.
#[derive(Debug)]
pub struct DiskCache {
    dir: PathBuf,
    key: crate::secret::Secret,
    verbose: bool,
}

/// Where the cache lives, unless it is turned off (`--no-cache`,
/// `DDIGEST_NO_CACHE=1`) or no absolute place is known.
pub fn location(no_cache: bool) -> Option<PathBuf> {
    let off = std::env::var("DDIGEST_NO_CACHE").is_ok_and(|v| !v.is_empty() && v != "0");
    if no_cache || off {
        return None;
    }
    let absolute = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    if let Some(dir) = absolute("DDIGEST_CACHE_DIR") {
        return Some(dir);
    }
    if let Some(dir) = absolute("XDG_CACHE_HOME") {
        return Some(dir.join("ddigest"));
    }
    if cfg!(windows) {
        if let Some(dir) = absolute("LOCALAPPDATA") {
            return Some(dir.join("ddigest"));
        }
    }
    crate::local_config::home().map(|home| home.join(".cache").join("ddigest"))
}

/// Seconds since the Unix epoch.
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl DiskCache {
    /// Opens (creating, 0700) the cache folder; `None`, said with `-v`,
    /// when it cannot be made or is not safe to use.
    pub fn open(dir: PathBuf, verbose: bool) -> Option<DiskCache> {
        let say = |why: &str| {
            if verbose {
                crate::console::say("-v", &format!("cache {}: {why}; not used", dir.display()));
            }
        };
        if let Err(e) = private_dir(&dir) {
            say(&format!("cannot create it: {e}"));
            return None;
        }
        let meta = match std::fs::symlink_metadata(&dir) {
            Ok(meta) => meta,
            Err(e) => {
                say(&e.to_string());
                return None;
            }
        };
        if let Err(why) = trusted(&meta, true) {
            say(&why);
            return None;
        }
        let mut cache = DiskCache {
            dir,
            key: crate::secret::Secret::new(String::new()),
            verbose,
        };
        let key = cache.read(KEY_FILE).filter(|k| k.len() == KEY_LEN);
        let key = match key {
            Some(key) => key,
            None => cache.new_key()?,
        };
        cache.key = crate::secret::Secret::new(hex::encode(key));
        Some(cache)
    }

    fn new_key(&self) -> Option<Vec<u8>> {
        let mut key = vec![0u8; KEY_LEN];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut key).ok()?;
        self.write(KEY_FILE, &key);
        Some(key)
    }

    /// The keyed fingerprint of the credential a token is asked with.
    pub fn fingerprint(&self, credential: Option<&Credential>) -> String {
        entry::fingerprint(self.key.expose().as_bytes(), credential)
    }

    /// What is kept for the registry at `host` (nothing when there is no
    /// usable file).
    pub fn load(&self, host: &str) -> Entry {
        self.read(&file_name(host))
            .and_then(|bytes| Entry::parse(&bytes))
            .unwrap_or_default()
    }

    /// Reads the registry's entry afresh, changes it and writes it back.
    pub fn update(&self, host: &str, change: impl FnOnce(&mut Entry)) {
        let mut entry = self.load(host);
        entry.version = entry::VERSION;
        change(&mut entry);
        self.write(&file_name(host), &entry.to_bytes());
    }

    /// A file's bytes, if it is ours, not writable by others, and small.
    fn read(&self, name: &str) -> Option<Vec<u8>> {
        let path = self.dir.join(name);
        let file = open_no_follow(&path).ok()?;
        let meta = file.metadata().ok()?;
        if let Err(why) = trusted(&meta, false) {
            self.say(&format!("{}: {why}; ignored", path.display()));
            return None;
        }
        let mut bytes = Vec::new();
        file.take(MAX_FILE).read_to_end(&mut bytes).ok()?;
        Some(bytes)
    }

    /// Writes a new file (0600, never through a symlink) and renames it
    /// over `name`; a failure is said with `-v` and otherwise ignored.
    fn write(&self, name: &str, bytes: &[u8]) {
        let target = self.dir.join(name);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let temp = self
            .dir
            .join(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
        let written = new_file(&temp)
            .and_then(|mut f| f.write_all(bytes))
            .and_then(|()| std::fs::rename(&temp, &target));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            self.say(&format!("cannot write {}: {e}", target.display()));
        }
    }

    fn say(&self, what: &str) {
        if self.verbose {
            crate::console::say("-v", &format!("cache: {what}"));
        }
    }
}

/// One file per registry: its host and port, made safe as a file name.
fn file_name(host: &str) -> String {
    let safe: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.json")
}

#[cfg(unix)]
use unix::{new_file, open_no_follow, private_dir, trusted};

/// The private folder, files and the ownership check, on Unix.
#[cfg(unix)]
mod unix {
    use std::fs::{File, Metadata, OpenOptions};
    use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _, OpenOptionsExt as _};
    use std::path::Path;

    /// Creates the folder (and its parents), 0700.
    pub fn private_dir(dir: &Path) -> std::io::Result<()> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }

    pub fn open_no_follow(path: &Path) -> std::io::Result<File> {
        OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
    }

    pub fn new_file(path: &Path) -> std::io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
    }

    /// A folder or file ddigest may trust: not a symlink, owned by this
    /// user, writable by no one else (and a file readable by no one else).
    pub fn trusted(meta: &Metadata, dir: bool) -> Result<(), String> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if meta.file_type().is_symlink() || meta.is_dir() != dir {
            return Err("not a plain folder or file".into());
        }
        if meta.uid() != me {
            return Err(format!(
                "owned by user {}, not this user ({me})",
                meta.uid()
            ));
        }
        let others = if dir { 0o022 } else { 0o077 };
        if meta.mode() & others != 0 {
            return Err(format!("mode {:o} lets others in", meta.mode() & 0o777));
        }
        Ok(())
    }
}

#[cfg(not(unix))]
use elsewhere::{new_file, open_no_follow, private_dir, trusted};

/// Where who owns a file is not checked (Windows): no file is trusted, so
/// the cache is never used.
#[cfg(not(unix))]
mod elsewhere {
    use std::fs::{File, Metadata, OpenOptions};
    use std::path::Path;

    pub fn private_dir(dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)
    }

    pub fn open_no_follow(path: &Path) -> std::io::Result<File> {
        File::open(path)
    }

    pub fn new_file(path: &Path) -> std::io::Result<File> {
        OpenOptions::new().write(true).create_new(true).open(path)
    }

    pub fn trusted(_meta: &Metadata, _dir: bool) -> Result<(), String> {
        Err("who owns it cannot be checked on this system".into())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;
    use std::path::Path;

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[test]
    fn files_are_private_and_written_whole() {
        let root = dir();
        let at = root.path().join("cache");
        let cache = DiskCache::open(at.clone(), false).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&at), 0o700);
        assert_eq!(mode(&at.join(KEY_FILE)), 0o600);
        cache.update("127.0.0.1:5000", |e| e.scheme = Some("http".into()));
        assert_eq!(mode(&at.join("127.0.0.1_5000.json")), 0o600);
        assert_eq!(cache.load("127.0.0.1:5000").scheme.as_deref(), Some("http"));
        // The same key on the next open, so fingerprints stay the same.
        let again = DiskCache::open(at.clone(), false).unwrap();
        assert_eq!(again.fingerprint(None), cache.fingerprint(None));
        // No temporary files are left behind.
        let names: Vec<_> = std::fs::read_dir(&at)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn corrupt_files_are_ignored_and_replaced() {
        let root = dir();
        let cache = DiskCache::open(root.path().join("c"), false).unwrap();
        std::fs::write(root.path().join("c/reg.json"), b"{\"version\":1,").unwrap();
        std::fs::set_permissions(
            root.path().join("c/reg.json"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        assert_eq!(cache.load("reg"), Entry::default());
        cache.update("reg", |e| e.challenge = Some("Bearer realm=\"x\"".into()));
        assert!(cache.load("reg").challenge.is_some());
    }

    #[test]
    fn unsafe_places_are_not_used() {
        let root = dir();
        let open = root.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(DiskCache::open(open, false).is_none());
        let real = root.path().join("real");
        std::fs::create_dir(&real).unwrap();
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(DiskCache::open(link, false).is_none());
        // A file others may write is not read; a symlinked file neither.
        let cache = DiskCache::open(root.path().join("c"), false).unwrap();
        cache.update("reg", |e| e.scheme = Some("http".into()));
        let file = root.path().join("c/reg.json");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert_eq!(cache.load("reg"), Entry::default());
        std::fs::remove_file(&file).unwrap();
        let elsewhere = root.path().join("elsewhere.json");
        std::fs::write(
            &elsewhere,
            Entry {
                version: 1,
                scheme: Some("http".into()),
                ..Entry::default()
            }
            .to_bytes(),
        )
        .unwrap();
        std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &file).unwrap();
        assert_eq!(cache.load("reg"), Entry::default());
    }

    #[test]
    fn where_it_lives() {
        assert_eq!(file_name("ghcr.io"), "ghcr.io.json");
        assert_eq!(file_name("[::1]:5000"), "___1__5000.json");
    }
}
