//! Which registries.conf files are read, as containers/image reads them:
//! `$CONTAINERS_REGISTRIES_CONF` alone when set; otherwise
//! `~/.config/containers/registries.conf` with the drop-ins of
//! `~/.config/containers/registries.conf.d`, or, when that file does not
//! exist, `/etc/containers/registries.conf` with the drop-ins of
//! `/etc/containers/registries.conf.d` and then the user's. Drop-ins are
//! `*.conf` files, read in name order. Missing files are no error.

use super::RegistriesConf;
use crate::local_config::OrConfig;
use std::path::{Path, PathBuf};

const SYSTEM_FILE: &str = "/etc/containers/registries.conf";
const SYSTEM_DIR: &str = "/etc/containers/registries.conf.d";

/// The merged configuration; an error names the file at fault.
pub fn load() -> anyhow::Result<RegistriesConf> {
    read_all().or_config()
}

fn read_all() -> anyhow::Result<RegistriesConf> {
    let mut conf = RegistriesConf::default();
    for path in files() {
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => anyhow::bail!("{}: cannot read it: {e}", path.display()),
        };
        conf.merge_text(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    Ok(conf)
}

fn files() -> Vec<PathBuf> {
    if let Some(path) = std::env::var_os("CONTAINERS_REGISTRIES_CONF").filter(|p| !p.is_empty()) {
        return vec![PathBuf::from(path)];
    }
    let user_dir = crate::local_config::home().map(|h| h.join(".config/containers"));
    let user_file = user_dir.as_ref().map(|d| d.join("registries.conf"));
    let user_drop_ins = user_dir.as_ref().map(|d| d.join("registries.conf.d"));
    let mut out = Vec::new();
    match user_file.filter(|f| f.exists()) {
        Some(file) => out.push(file),
        None => {
            out.push(PathBuf::from(SYSTEM_FILE));
            out.extend(drop_ins(Path::new(SYSTEM_DIR)));
        }
    }
    if let Some(dir) = user_drop_ins {
        out.extend(drop_ins(&dir));
    }
    out
}

/// The `*.conf` files of `dir`, in name order.
fn drop_ins(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "conf") && p.is_file())
        .collect();
    files.sort();
    files
}
