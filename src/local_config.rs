//! The error for local configuration ddigest cannot use: a credentials
//! file or helper, registries.conf, a certs.d folder. It wraps the error as
//! it is (same words, same causes) and only marks it, so that `exit` gives
//! it the `config` code.

/// The user's home folder: `$HOME` when it is set to an absolute path,
/// and on Windows else `%USERPROFILE%`, where docker keeps `.docker`.
/// Without it no per-user file is read (never one relative to the
/// working directory).
pub fn home() -> Option<std::path::PathBuf> {
    let set = |var: &str| {
        let path = std::path::PathBuf::from(std::env::var_os(var)?);
        path.is_absolute().then_some(path)
    };
    let home = set("HOME");
    #[cfg(windows)]
    let home = home.or_else(|| set("USERPROFILE"));
    home
}

/// Local configuration that cannot be used; shown as the error it wraps.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ConfigError(#[from] pub anyhow::Error);

/// Marks an error as a local configuration problem.
pub trait OrConfig<T> {
    fn or_config(self) -> anyhow::Result<T>;
}

impl<T> OrConfig<T> for anyhow::Result<T> {
    fn or_config(self) -> anyhow::Result<T> {
        self.map_err(|e| ConfigError(e).into())
    }
}
