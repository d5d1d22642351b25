//! `ls --referrers`: the artifacts that refer to an image, as a table
//! (KIND, DIGEST, ARTIFACT TYPE or media type, SIZE) or as one JSON object
//! with the image's `digest` and a `referrers` array. Pure.

use super::{align, to_json};
use crate::referrers::Referrers;
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReferrers<'a> {
    input: &'a str,
    reference: String,
    digest: String,
    referrers: Vec<JsonReferrer<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReferrer<'a> {
    kind: &'a str,
    digest: &'a str,
    artifact_type: Option<&'a str>,
    media_type: &'a str,
    size: Option<u64>,
}

/// One JSON object: what was asked, the digest, and every referrer.
pub fn referrers_json(input: &str, reference: &str, found: &Referrers) -> String {
    let referrers = found
        .referrers
        .iter()
        .map(|r| JsonReferrer {
            kind: &r.kind,
            digest: &r.digest,
            artifact_type: r.artifact_type.as_deref(),
            media_type: &r.media_type,
            size: r.size,
        })
        .collect();
    to_json(&JsonReferrers {
        input,
        reference: reference.to_string(),
        digest: found.digest.to_string(),
        referrers,
    })
}

/// A header, then one row per referrer (none when nothing refers to it).
pub fn referrers_table(found: &Referrers) -> String {
    let mut rows: Vec<[String; 4]> = vec![[
        "KIND".into(),
        "DIGEST".into(),
        "ARTIFACT TYPE".into(),
        "SIZE".into(),
    ]];
    rows.extend(found.referrers.iter().map(|r| {
        [
            r.kind.clone(),
            r.digest.clone(),
            r.artifact_type
                .clone()
                .unwrap_or_else(|| r.media_type.clone()),
            r.size.map_or("-".into(), |s| s.to_string()),
        ]
    }));
    align(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Digest;
    use crate::referrers::Referrer;

    #[test]
    fn table_and_json() {
        let found = Referrers {
            digest: Digest::sha256_of(b"image"),
            referrers: vec![Referrer {
                kind: "signature".into(),
                digest: "sha256:ab".into(),
                artifact_type: None,
                media_type: "application/vnd.oci.image.manifest.v1+json".into(),
                size: Some(7),
            }],
        };
        let table = referrers_table(&found);
        assert_eq!(table.lines().count(), 2);
        assert!(table.starts_with("KIND       DIGEST     ARTIFACT TYPE"));
        assert!(
            table.contains("signature  sha256:ab  application/vnd.oci.image.manifest.v1+json  7")
        );
        let v: serde_json::Value =
            serde_json::from_str(&referrers_json("app", "r/app:1", &found)).unwrap();
        assert_eq!(v["digest"], found.digest.to_string());
        assert!(v["referrers"][0]["artifactType"].is_null());
        assert_eq!(v["referrers"][0]["size"], 7);
        let empty = Referrers {
            digest: found.digest.clone(),
            referrers: vec![],
        };
        assert_eq!(referrers_table(&empty).lines().count(), 1);
        let v: serde_json::Value =
            serde_json::from_str(&referrers_json("app", "r/app:1", &empty)).unwrap();
        assert_eq!(v["referrers"], serde_json::json!([]));
    }
}
