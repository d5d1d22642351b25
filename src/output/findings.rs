//! `pin` and `check` findings as `--format json` (one object per reference
//! site) and `--format github` (workflow commands that annotate the pull
//! request's diff), and the Markdown table `check` adds to a GitHub step
//! summary. Pure.

use super::to_json;
use crate::pin::finding::{Finding, Status};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonFinding<'a> {
    file: &'a str,
    line: usize,
    column: Option<usize>,
    image: &'a str,
    status: &'a str,
    pinned: Option<&'a str>,
    current: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    platform: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<JsonReason<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    platforms: Option<JsonPlatforms<'a>>,
}

#[derive(Serialize)]
struct JsonReason<'a> {
    code: Option<&'a str>,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonPlatforms<'a> {
    added: &'a [String],
    removed: &'a [String],
    changed: &'a [String],
    unchanged: &'a [String],
}

pub fn finding_json(f: &Finding) -> String {
    to_json(&JsonFinding {
        file: &f.file,
        line: f.line,
        column: f.column,
        image: &f.image,
        status: f.status.as_str(),
        pinned: f.pinned.as_deref(),
        current: f.current.as_deref(),
        platform: f.platform.as_deref(),
        reason: f.reason.as_ref().map(|r| JsonReason {
            code: r.code,
            message: &r.message,
        }),
        platforms: f.platforms.as_ref().map(|d| JsonPlatforms {
            added: &d.added,
            removed: &d.removed,
            changed: &d.changed,
            unchanged: &d.unchanged,
        }),
    })
}

/// A workflow command for a finding that fails (`::error`) or was
/// skipped (`::warning`); none for one that is fine.
pub fn finding_github(f: &Finding, command: &str, require_pins: bool) -> Option<String> {
    let level = if f.fails(require_pins) {
        "error"
    } else if f.status == Status::Skipped {
        "warning"
    } else {
        return None;
    };
    let message = match (f.status, &f.reason) {
        (Status::Drifted | Status::Gone, _) => {
            let at = format!("{}:{}: ", f.file, f.line);
            let line = f.check_line(require_pins);
            line.map(|l| l.strip_prefix(&at).unwrap_or(&l).to_string())
        }
        (_, Some(reason)) => Some(format!("{}: {}", f.image, reason.message)),
        (Status::Unpinned, None) => Some(format!("{} is not pinned", f.image)),
        _ => None,
    }
    .unwrap_or_else(|| f.image.clone());
    let mut properties = format!("file={},line={}", property(&f.file), f.line);
    if let Some(column) = f.column {
        properties.push_str(&format!(",col={column}"));
    }
    properties.push_str(&format!(
        ",title={}",
        property(&format!("ddigest {command}"))
    ));
    Some(format!("::{level} {properties}::{}", data(&message)))
}

/// Escapes a workflow command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A Markdown table of the findings that fail, for `$GITHUB_STEP_SUMMARY`.
pub fn summary_markdown(findings: &[Finding], require_pins: bool) -> String {
    let failing: Vec<&Finding> = findings.iter().filter(|f| f.fails(require_pins)).collect();
    let mut out = String::from("### ddigest check\n\n");
    if failing.is_empty() {
        out.push_str(&format!(
            "Every pin holds ({} references checked).\n",
            findings.len()
        ));
        return out;
    }
    out.push_str("| file | line | image | status | detail |\n| --- | --- | --- | --- | --- |\n");
    for f in failing {
        let detail = match (&f.platforms, &f.reason, &f.current) {
            (Some(d), _, _) => d.tail(),
            (_, Some(r), _) => r.message.clone(),
            (_, _, Some(now)) => format!("tag now {now}"),
            _ => String::new(),
        };
        let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        out.push_str(&format!(
            "| {} | {} | `{}` | {} | {} |\n",
            cell(&f.file),
            f.line,
            cell(&f.image),
            f.status.as_str(),
            cell(&detail)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pin::drift::Drift;

    fn drifted() -> Finding {
        let mut f = Finding::new("a,b:c/Dockerfile", 3, "r/app:1@sha256:aa", Status::Drifted);
        f.column = Some(6);
        f.pinned = Some("sha256:aa".into());
        f.current = Some("sha256:bb".into());
        f.platforms = Some(Drift {
            changed: vec!["linux/amd64".into()],
            unchanged: vec!["linux/arm64".into()],
            ..Drift::default()
        });
        f
    }

    #[test]
    fn github_commands_are_escaped() {
        let line = finding_github(&drifted(), "check", false).unwrap();
        assert_eq!(
            line,
            "::error file=a%2Cb%3Ac/Dockerfile,line=3,col=6,title=ddigest check::r/app:1 pinned to sha256:aa, tag now sha256:bb (linux/amd64 changed; 1 unchanged)"
        );
        let mut skipped = Finding::new("f", 1, "${X}", Status::Skipped);
        skipped.reason = Some(crate::pin::finding::Reason {
            code: None,
            message: "100%\nvariable".into(),
        });
        assert_eq!(
            finding_github(&skipped, "check", false).unwrap(),
            "::warning file=f,line=1,title=ddigest check::${X}: 100%25%0Avariable"
        );
        let fine = Finding::new("f", 1, "x@sha256:aa", Status::Unchanged);
        assert_eq!(finding_github(&fine, "check", false), None);
    }

    #[test]
    fn json_and_summary() {
        let v: serde_json::Value = serde_json::from_str(&finding_json(&drifted())).unwrap();
        assert_eq!(v["status"], "drifted");
        assert_eq!(v["platforms"]["changed"][0], "linux/amd64");
        assert_eq!(v["platforms"]["added"], serde_json::json!([]));
        assert!(v.get("reason").is_none());
        let table = summary_markdown(&[drifted()], false);
        assert!(table.contains("| a,b:c/Dockerfile | 3 | `r/app:1@sha256:aa` | drifted | linux/amd64 changed; 1 unchanged |"), "{table}");
    }
}
