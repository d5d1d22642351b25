//! Docker credential helpers: runs `docker-credential-<name> get` with the
//! server URL on stdin and reads `{"ServerURL","Username","Secret"}` from
//! stdout. A helper's output is never echoed, since it may hold secrets.
//! On Windows the helper is found as docker finds it: on `PATH`, with each
//! of `PATHEXT`'s extensions (`.exe`, `.cmd`, `.bat`…).

use super::config::Credential;
use crate::secret::Secret;
use anyhow::{bail, Context as _};
use serde::Deserialize;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncWriteExt as _;

const HELPER_TIMEOUT: Duration = Duration::from_secs(30);
/// Docker's marker for "this helper stores no credential for that server".
const NOT_FOUND: &str = "credentials not found";
/// A username meaning the secret is an identity (refresh) token.
const TOKEN_USERNAME: &str = "<token>";

#[derive(Deserialize)]
struct HelperReply {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// Asks helper `name` for the credential of `server_url`; `None` when it
/// has none.
pub async fn get(name: &str, server_url: &str) -> anyhow::Result<Option<Credential>> {
    let program = format!("docker-credential-{name}");
    let mut child = tokio::process::Command::new(located(&program))
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot run {program} (is it installed and on PATH?)"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading stdin is judged by its output.
        let _ = stdin.write_all(server_url.as_bytes()).await;
    }
    let output = tokio::time::timeout(HELPER_TIMEOUT, child.wait_with_output())
        .await
        .with_context(|| format!("{program} did not answer within {HELPER_TIMEOUT:?}"))?
        .with_context(|| format!("{program} failed"))?;
    if !output.status.success() {
        let said =
            String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
        if said.contains(NOT_FOUND) {
            return Ok(None);
        }
        bail!("{program} get failed ({}) for {server_url}", output.status);
    }
    parse_reply(&output.stdout).with_context(|| format!("{program} get for {server_url}"))
}

fn parse_reply(stdout: &[u8]) -> anyhow::Result<Option<Credential>> {
    // serde's message may quote the offending value, which may be a secret:
    // report only where the output stopped making sense.
    let reply: HelperReply = serde_json::from_slice(stdout).map_err(|e| {
        anyhow::anyhow!(
            "printed something that is not credential JSON (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    if reply.secret.is_empty() {
        return Ok(None);
    }
    if reply.username == TOKEN_USERNAME {
        return Ok(Some(Credential::IdentityToken(Secret::new(reply.secret))));
    }
    if reply.username.is_empty() {
        bail!("answered with a secret but no username");
    }
    Ok(Some(Credential::Basic {
        username: reply.username,
        password: Secret::new(reply.secret),
    }))
}

/// The program to run: on Windows the first `PATH` entry holding it with
/// a `PATHEXT` extension, elsewhere the name (the system searches `PATH`).
fn located(program: &str) -> std::path::PathBuf {
    #[cfg(windows)]
    {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let exts = std::env::var("PATHEXT").ok();
        let dirs: Vec<std::path::PathBuf> = std::env::split_paths(&path).collect();
        if let Some(found) = candidates(program, &dirs, exts.as_deref())
            .into_iter()
            .find(|c| c.is_file())
        {
            return found;
        }
    }
    std::path::PathBuf::from(program)
}

/// Where Windows' `PATH` search looks for `program`, in order: each folder,
/// and in it the name with each `PATHEXT` extension (docker's `LookPath`);
/// `.COM;.EXE;.BAT;.CMD` when `PATHEXT` is unset.
#[cfg_attr(not(windows), allow(dead_code))]
fn candidates(
    program: &str,
    dirs: &[std::path::PathBuf],
    pathext: Option<&str>,
) -> Vec<std::path::PathBuf> {
    let exts: Vec<&str> = pathext
        .filter(|e| !e.trim().is_empty())
        .unwrap_or(".COM;.EXE;.BAT;.CMD")
        .split(';')
        .map(str::trim)
        .filter(|e| e.starts_with('.'))
        .collect();
    dirs.iter()
        .filter(|d| !d.as_os_str().is_empty())
        .flat_map(|d| {
            exts.iter()
                .map(move |e| d.join(format!("{program}{}", e.to_ascii_lowercase())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_basic_and_identity_token_replies() {
        let basic = parse_reply(br#"{"ServerURL":"x","Username":"u","Secret":"s"}"#).unwrap();
        assert!(matches!(basic, Some(Credential::Basic { ref username, .. }) if username == "u"));
        let token = parse_reply(br#"{"Username":"<token>","Secret":"t"}"#).unwrap();
        assert_eq!(token, Some(Credential::IdentityToken(Secret::new("t"))));
        assert!(parse_reply(b"garbage").is_err());
        let err = parse_reply(br#"{"Username":"","Secret":"topsecret"}"#).unwrap_err();
        assert!(!format!("{err:#}").contains("topsecret"));
    }

    #[test]
    fn windows_looks_in_each_folder_with_each_pathext() {
        let dirs = [
            std::path::PathBuf::from("C:/bin"),
            std::path::PathBuf::from(""),
            std::path::PathBuf::from("D:/tools"),
        ];
        let got = candidates(
            "docker-credential-desktop",
            &dirs,
            Some(".EXE;.CMD; .bat;junk"),
        );
        let shown: Vec<String> = got
            .iter()
            .map(|p| p.display().to_string().replace('\\', "/"))
            .collect();
        assert_eq!(
            shown,
            [
                "C:/bin/docker-credential-desktop.exe",
                "C:/bin/docker-credential-desktop.cmd",
                "C:/bin/docker-credential-desktop.bat",
                "D:/tools/docker-credential-desktop.exe",
                "D:/tools/docker-credential-desktop.cmd",
                "D:/tools/docker-credential-desktop.bat",
            ]
        );
        assert_eq!(
            candidates("x", &dirs[..1], None).len(),
            4,
            "the default PATHEXT"
        );
    }
}
