//! `ddigest tags` lines: a tag, `REPO:TAG`, `REPO:TAG@DIGEST` or a JSON
//! object per tag, with the digest when it was looked up, the listing's
//! unverified digest and upload time (gcr.io), and for a reverse lookup
//! which platform's entry led to the digest. Pure.

use super::{to_json, JsonError, JsonSignature};
use crate::cli::TagsFormat;
use crate::exit::Failure;
use crate::platform::Platform;
use crate::reference::Reference;
use crate::resolve::Resolved;
use crate::tags::reverse::Via;
use crate::tags::Vendor;
use serde::Serialize;

/// One tag to print.
pub struct TagLine<'a> {
    /// The repository as the user wrote it (no digest).
    pub repository: &'a str,
    /// The repository parsed, for JSON's qualified names.
    pub reference: &'a Reference,
    pub tag: &'a str,
    /// What a HEAD (or GET) found, when the digest was looked up.
    pub resolved: Option<&'a Resolved>,
    /// What the registry's listing said, unchecked, when nothing was asked.
    pub vendor: Option<&'a Vendor>,
    /// A reverse lookup's match.
    pub via: Option<&'a Via>,
}

pub fn tag_line(format: TagsFormat, line: &TagLine) -> String {
    let full = format!("{}:{}", line.repository, line.tag);
    let digest = line.resolved.map(|r| r.digest.to_string());
    let entry = match line.via {
        Some(Via::Entry(platform)) => format!(" ({} entry)", shown(platform.as_ref())),
        _ => String::new(),
    };
    match (format, digest) {
        (TagsFormat::Json, _) => json(line),
        (TagsFormat::Pinned, Some(digest)) => format!("{full}@{digest}"),
        (TagsFormat::Pinned | TagsFormat::Full, None) => format!("{full}{entry}"),
        (TagsFormat::Tag, None) => format!("{}{entry}", line.tag),
        // A reverse lookup's digest is the one asked for: not repeated.
        (TagsFormat::Full, Some(_)) if line.via.is_some() => format!("{full}{entry}"),
        (TagsFormat::Tag, Some(_)) if line.via.is_some() => format!("{}{entry}", line.tag),
        (TagsFormat::Full, Some(digest)) => format!("{digest}  {full}"),
        (TagsFormat::Tag, Some(digest)) => format!("{digest}  {}", line.tag),
    }
}

fn shown(platform: Option<&Platform>) -> String {
    platform.map_or_else(|| "unknown platform".to_string(), Platform::to_string)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonTag<'a> {
    reference: String,
    registry: &'a str,
    repository: &'a str,
    tag: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    media_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pushed: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    unverified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    entry: Option<JsonEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature: Option<JsonSignature<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<JsonError<'a>>,
}

/// A JSON line for a tag whose digest could not be looked up: its names
/// and the error, nothing the listing said.
pub fn error_line(line: &TagLine, failure: &Failure) -> String {
    let mut out = named(line);
    out.error = Some(JsonError {
        code: failure.code.as_str(),
        message: &failure.message,
    });
    to_json(&out)
}

#[derive(Serialize)]
struct JsonEntry {
    platform: Option<String>,
}

/// The fields every tag's object has.
fn named<'a>(line: &TagLine<'a>) -> JsonTag<'a> {
    let r = line.reference;
    JsonTag {
        reference: format!("{}/{}:{}", r.domain(), r.path(), line.tag),
        registry: r.domain(),
        repository: r.path(),
        tag: line.tag,
        digest: None,
        media_type: None,
        size: None,
        platform: None,
        pushed: None,
        unverified: false,
        entry: None,
        signature: None,
        error: None,
    }
}

fn json(line: &TagLine) -> String {
    let mut out = named(line);
    out.pushed = line.vendor.and_then(|v| v.pushed.clone());
    if let Some(Via::Entry(p)) = line.via {
        out.entry = Some(JsonEntry {
            platform: p.as_ref().map(Platform::to_string),
        });
    }
    if let Some(resolved) = line.resolved {
        out.digest = Some(resolved.digest.to_string());
        out.media_type = resolved.media_type.as_deref();
        out.size = resolved.size;
        out.platform = resolved.platform.as_ref().map(Platform::to_string);
        out.signature = resolved.signed_by.as_ref().map(JsonSignature::of);
    } else if let Some(vendor) = line.vendor {
        out.digest = Some(vendor.digest.to_string());
        out.media_type = vendor.media_type.as_deref();
        out.size = vendor.size;
        out.unverified = true;
    }
    to_json(&out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Digest;

    #[test]
    fn lines_in_each_format() {
        let reference = Reference::parse_normalized("node").unwrap();
        let resolved = Resolved {
            digest: Digest::sha256_of(b"x"),
            media_type: Some("application/vnd.oci.image.index.v1+json".into()),
            size: Some(10),
            platform: None,
            warnings: vec![],
            signed_by: None,
        };
        let d = resolved.digest.to_string();
        let mut line = TagLine {
            repository: "node",
            reference: &reference,
            tag: "20",
            resolved: None,
            vendor: None,
            via: None,
        };
        assert_eq!(tag_line(TagsFormat::Tag, &line), "20");
        assert_eq!(tag_line(TagsFormat::Full, &line), "node:20");
        line.resolved = Some(&resolved);
        assert_eq!(tag_line(TagsFormat::Tag, &line), format!("{d}  20"));
        assert_eq!(tag_line(TagsFormat::Pinned, &line), format!("node:20@{d}"));
        let json: serde_json::Value =
            serde_json::from_str(&tag_line(TagsFormat::Json, &line)).unwrap();
        assert_eq!(json["reference"], "docker.io/library/node:20");
        assert_eq!(json["repository"], "library/node");
        assert_eq!(json["digest"], d.as_str());
        assert_eq!(json["size"], 10);
        assert!(json.get("unverified").is_none());
        let via = Via::Entry(Some(Platform::new("linux", "arm64", None)));
        line.via = Some(&via);
        assert_eq!(tag_line(TagsFormat::Tag, &line), "20 (linux/arm64 entry)");
        assert_eq!(
            tag_line(TagsFormat::Full, &line),
            "node:20 (linux/arm64 entry)"
        );
        let json: serde_json::Value =
            serde_json::from_str(&tag_line(TagsFormat::Json, &line)).unwrap();
        assert_eq!(json["entry"]["platform"], "linux/arm64");
        let vendor = Vendor {
            digest: Digest::sha256_of(b"v"),
            media_type: None,
            size: None,
            pushed: Some("1970-01-01T00:00:00.000Z".into()),
        };
        line.resolved = None;
        line.via = None;
        line.vendor = Some(&vendor);
        let json: serde_json::Value =
            serde_json::from_str(&tag_line(TagsFormat::Json, &line)).unwrap();
        assert_eq!(json["unverified"], true);
        assert_eq!(json["pushed"], "1970-01-01T00:00:00.000Z");
    }
}
