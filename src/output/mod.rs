//! What goes to stdout, as text: a result line per reference (and
//! platform) in the chosen `--format`, and `ls` as a table or JSON (its
//! referrers in `referrers`). Pure: callers print the strings.

mod findings;
mod referrers;
pub mod tags;

pub use findings::{finding_github, finding_json, summary_markdown};
pub use referrers::{referrers_json, referrers_table};

use crate::batch::Outcome;
use crate::cli::Format;
use crate::exit::Failure;
use crate::platform::Platform;
use crate::reference::Reference;
use crate::resolve::{Listing, Resolved, Row};
use crate::signature::Vouched;
use serde::Serialize;

/// How result lines look for this run.
#[derive(Clone, Copy, Debug)]
pub struct LineStyle {
    pub format: Format,
    /// `DIGEST  REFERENCE` rather than the digest alone (format `digest`).
    pub with_ref: bool,
    /// Add `  PLATFORM` (several platforms asked for).
    pub platform_column: bool,
}

/// The stdout line for one result, `None` for a failure outside JSON.
pub fn result_line(
    style: LineStyle,
    outcome: &Outcome,
    wanted: Option<&Platform>,
    result: &Result<Resolved, Failure>,
) -> Option<String> {
    if style.format == Format::Json {
        return Some(json_line(outcome, wanted, result));
    }
    let resolved = result.as_ref().ok()?;
    let mut line = match style.format {
        Format::Pinned => pinned(&outcome.input, &resolved.digest.to_string()),
        _ if style.with_ref => format!("{}  {}", resolved.digest, outcome.input),
        _ => resolved.digest.to_string(),
    };
    if let (true, Some(platform)) = (style.platform_column, wanted) {
        line.push_str("  ");
        line.push_str(&platform.to_string());
    }
    Some(line)
}

/// The input as written with `@digest` set to `digest` (any digest given
/// is replaced; nothing is added to the name).
pub fn pinned(input: &str, digest: &str) -> String {
    let name = input.rsplit_once('@').map_or(input, |(name, _)| name);
    format!("{name}@{digest}")
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonLine<'a> {
    input: &'a str,
    reference: Option<String>,
    registry: Option<&'a str>,
    repository: Option<&'a str>,
    tag: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    media_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature: Option<JsonSignature<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<JsonError<'a>>,
}

/// `--key` or keyless: what vouched for the digest — the key as given,
/// or the keyless signer and when Rekor recorded the signature.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonSignature<'a> {
    verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issuer: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    integrated_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    log_index: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'a str>,
}

impl<'a> JsonSignature<'a> {
    fn of(vouched: &'a Vouched) -> JsonSignature<'a> {
        let mut out = JsonSignature {
            verified: true,
            key: None,
            identity: None,
            issuer: None,
            integrated_time: None,
            log_index: None,
            policy: None,
        };
        match vouched {
            Vouched::Key(key) => out.key = Some(key),
            Vouched::Keyless(signer) => {
                out.identity = Some(&signer.identity);
                out.issuer = Some(&signer.issuer);
                out.integrated_time = Some(crate::time::rfc3339(signer.integrated_time));
                out.log_index = Some(signer.log_index);
            }
            Vouched::Policy { scope, signed } => {
                out.verified = *signed;
                out.policy = Some(scope);
            }
        }
        out
    }
}

#[derive(Serialize)]
struct JsonError<'a> {
    code: &'a str,
    message: &'a str,
}

fn json_line(
    outcome: &Outcome,
    wanted: Option<&Platform>,
    result: &Result<Resolved, Failure>,
) -> String {
    let mut line = named(&outcome.input, outcome.reference.as_ref());
    match result {
        Ok(resolved) => {
            line.digest = Some(resolved.digest.to_string());
            line.media_type = resolved.media_type.as_deref();
            line.size = resolved.size;
            line.platform = resolved.platform.as_ref().map(Platform::to_string);
            line.signature = resolved.signed_by.as_ref().map(JsonSignature::of);
        }
        Err(failure) => {
            line.platform = wanted.map(Platform::to_string);
            line.error = Some(JsonError {
                code: failure.code.as_str(),
                message: &failure.message,
            });
        }
    }
    to_json(&line)
}

/// The fields every JSON object has: what was asked for, fully qualified.
fn named<'a>(input: &'a str, reference: Option<&'a Reference>) -> JsonLine<'a> {
    JsonLine {
        input,
        reference: reference.map(Reference::qualified_string),
        registry: reference.map(Reference::domain),
        repository: reference.map(Reference::path),
        tag: reference.and_then(|r| match r.digest() {
            Some(_) => r.tag(),
            None => Some(r.tag_or_latest()),
        }),
        digest: None,
        media_type: None,
        size: None,
        platform: None,
        signature: None,
        error: None,
    }
}

pub(crate) fn to_json(value: &impl Serialize) -> String {
    // Serializing these plain structs cannot fail; say so if it ever does.
    serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonListing<'a> {
    #[serde(flatten)]
    named: JsonLine<'a>,
    index: bool,
    manifests: Vec<JsonRow<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonRow<'a> {
    platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    os_version: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    os_features: &'a [String],
    digest: &'a str,
    media_type: &'a str,
    size: Option<u64>,
    attestation: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    attests: Option<&'a str>,
}

/// `ls --format json`: one object for the manifest with its entries.
pub fn listing_json(input: &str, reference: &Reference, listing: &Listing) -> String {
    let mut named = named(input, Some(reference));
    named.digest = Some(listing.top.digest.to_string());
    named.media_type = listing.top.media_type.as_deref();
    named.size = listing.top.size;
    let manifests = listing
        .rows
        .iter()
        .map(|row| JsonRow {
            platform: row.platform.as_ref().map(Platform::to_string),
            os_version: row.platform.as_ref().and_then(|p| p.os_version.as_deref()),
            os_features: row.platform.as_ref().map_or(&[], |p| &p.os_features),
            digest: &row.digest,
            media_type: &row.media_type,
            size: row.size,
            attestation: row.attestation,
            attests: row.attests.as_deref(),
        })
        .collect();
    to_json(&JsonListing {
        named,
        index: listing.is_index,
        manifests,
    })
}

/// `ls` as a table: a header, the list or index itself, then its entries.
pub fn listing_table(listing: &Listing) -> String {
    let mut rows: Vec<[String; 5]> = vec![[
        "PLATFORM".into(),
        "DIGEST".into(),
        "MEDIA TYPE".into(),
        "SIZE".into(),
        "NOTE".into(),
    ]];
    if listing.is_index {
        let top = &listing.top;
        rows.push([
            "index".into(),
            top.digest.to_string(),
            top.media_type.clone().unwrap_or_default(),
            top.size.map_or("-".into(), |s| s.to_string()),
            format!("{} entries", listing.rows.len()),
        ]);
    }
    rows.extend(listing.rows.iter().map(table_row));
    align(&rows)
}

fn table_row(row: &Row) -> [String; 5] {
    let note = match (row.attestation, &row.attests) {
        (true, Some(of)) => format!("attestation of {of}"),
        (true, None) => "attestation".to_string(),
        _ => String::new(),
    };
    [
        row.platform
            .as_ref()
            .map_or("-".into(), Platform::to_string),
        row.digest.clone(),
        row.media_type.clone(),
        row.size.map_or("-".into(), |s| s.to_string()),
        note,
    ]
}

/// Columns padded to their widest cell, two spaces apart, no trailing blanks.
pub(crate) fn align<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(&format!("{cell:<w$}", w = widths[i]));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Digest;
    use crate::exit::ErrorCode;
    use std::sync::Arc;

    const HEX: &str = "0649946c6107e35401ce940e5e6e8d700b034a0ee55293350e4db6d0793d74f9";

    fn outcome(input: &str, result: Result<Resolved, Failure>) -> Outcome {
        Outcome {
            input: input.to_string(),
            reference: Reference::parse_normalized(input).ok(),
            results: Arc::new(vec![result]),
        }
    }

    fn resolved() -> Resolved {
        Resolved {
            digest: Digest::parse(&format!("sha256:{HEX}")).unwrap(),
            media_type: Some("application/vnd.oci.image.index.v1+json".into()),
            size: Some(42),
            platform: None,
            warnings: vec![],
            signed_by: None,
        }
    }

    fn style(format: Format, with_ref: bool) -> LineStyle {
        LineStyle {
            format,
            with_ref,
            platform_column: false,
        }
    }

    #[test]
    fn digest_and_pinned_lines() {
        let o = outcome("node:14", Ok(resolved()));
        let r = &o.results[0];
        let digest = format!("sha256:{HEX}");
        assert_eq!(
            result_line(style(Format::Digest, false), &o, None, r).unwrap(),
            digest
        );
        assert_eq!(
            result_line(style(Format::Digest, true), &o, None, r).unwrap(),
            format!("{digest}  node:14")
        );
        assert_eq!(
            result_line(style(Format::Pinned, false), &o, None, r).unwrap(),
            format!("node:14@{digest}")
        );
        assert_eq!(pinned("a/b:1@sha256:00", "sha256:11"), "a/b:1@sha256:11");
    }

    #[test]
    fn json_lines_carry_names_and_errors() {
        let o = outcome("node", Ok(resolved()));
        let line = result_line(style(Format::Json, false), &o, None, &o.results[0]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["reference"], "docker.io/library/node:latest");
        assert_eq!(v["registry"], "docker.io");
        assert_eq!(v["repository"], "library/node");
        assert_eq!(v["tag"], "latest");
        assert_eq!(v["size"], 42);
        let failure = Failure {
            code: ErrorCode::NotFound,
            message: "gone".into(),
        };
        let o = outcome("Bad", Err(failure));
        assert_eq!(
            result_line(style(Format::Digest, true), &o, None, &o.results[0]),
            None
        );
        let line = result_line(style(Format::Json, false), &o, None, &o.results[0]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["error"]["code"], "not_found");
        assert!(v["reference"].is_null());
        assert!(v.get("digest").is_none());
    }

    #[test]
    fn table_is_aligned() {
        let rows = vec![
            [
                "A".to_string(),
                "bb".into(),
                "c".into(),
                "1".into(),
                "".into(),
            ],
            [
                "aaa".to_string(),
                "b".into(),
                "cc".into(),
                "22".into(),
                "".into(),
            ],
        ];
        assert_eq!(align(&rows), "A    bb  c   1\naaa  b   cc  22\n");
    }
}
