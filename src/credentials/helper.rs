//! Docker credential helpers: runs `docker-credential-<name> get` with the
//! server URL on stdin and reads `{"ServerURL","Username","Secret"}` from
//! stdout. A helper's output is never echoed, since it may hold secrets.

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
    let mut child = tokio::process::Command::new(&program)
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
}
