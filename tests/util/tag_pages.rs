//! Registries' tag-list paging, emulated by the fault proxy in front of the
//! real registry. Debian's distribution 2.8 ignores `n` and `last` and
//! serves every tag at once, unsorted, with no `Link`; each `Vendor` here
//! answers `GET /v2/<name>/tags/list` the way that registry is reported to
//! (the source is on each variant), from the real registry's own list.
//! Every other request is forwarded unchanged.

use super::fault_proxy::{Fault, FaultProxy, Seen};
use super::registry::Registry;
use serde_json::{json, Value};
use std::collections::HashMap;

/// How the emulated registry pages.
#[derive(Clone)]
pub enum Vendor {
    /// distribution v3 and the OCI spec: lexical order, `n` honoured, the
    /// next page as `</v2/<name>/tags/list?last=<tag>&n=<n>>; rel="next"`.
    Distribution,
    /// The same, the link relative to the request's folder: `<list?…>`.
    RelativeLink,
    /// distribution refusing a size over its limit: 400
    /// PAGINATION_NUMBER_INVALID with the size asked echoed in `detail`
    /// (the body quoted in google/go-containerregistry#2062).
    Capped { max: usize },
    /// ECR's refusal of a `maxResults` over its limit, in ECR's words
    /// ("Member must have value less than or equal to 1000"); `max` is the
    /// limit it states.
    Ecr { max: usize },
    /// Quay in 2024: 413 for `n` over 100 (akuity/kargo#2186); its next
    /// link carries an opaque `next_page` token, not `last`
    /// (ivanilves/lstags#185).
    Quay,
    /// Artifactory behind a path-based virtual repository: the next link
    /// drops the repository key from the path and its `last` is an offset
    /// (renovatebot/renovate#15030 and #20745, JFrog RTFACT-18971).
    Artifactory,
    /// Nexus on a connector port: the next link puts the internal
    /// `/repository/<repo>/` prefix in front, a path the port answers 400
    /// on (sonatype/nexus-public#1011); null and empty tags in the list.
    Nexus,
    /// GHCR for a repository with untagged images only: `"tags": null`
    /// (zeegin/v8std#39).
    GhcrEmpty,
    /// gcr.io and Artifact Registry: the `manifest` map of digest to tags,
    /// media type, size and times (go-containerregistry's `google.Tags`),
    /// made from HEADs of the real registry; `lie` names a tag whose
    /// digest the map gets wrong.
    Gcr { lie: Option<String> },
    /// Broken: every next link is the first page again.
    Loop,
    /// Broken: the next link's `last` never moves on.
    Stuck,
    /// Hostile: the next link is on another host (the SSRF crane fixed,
    /// google/go-containerregistry#2332).
    OtherHost,
}

/// A proxy in front of `registry` that pages its tag lists as `vendor`,
/// at most `page_size` tags a page whatever `n` asks (registries that send
/// a `Link` may, distribution-spec#470).
pub fn paged(registry: &Registry, vendor: Vendor, page_size: usize) -> FaultProxy {
    let upstream = registry.base_url();
    let upstream2 = upstream.clone();
    FaultProxy::start("127.0.0.1", Some(upstream), move |seen, _| {
        answer(&upstream2, &vendor, page_size, seen)
    })
}

fn answer(upstream: &str, vendor: &Vendor, page_size: usize, seen: &Seen) -> Fault {
    let (path, query) = seen.path.split_once('?').unwrap_or((&seen.path, ""));
    let Some(name) = path
        .strip_prefix("/v2/")
        .and_then(|p| p.strip_suffix("/tags/list"))
    else {
        if path.starts_with("/repository/") {
            return json_answer(
                400,
                json!({"errors": [{"code": "UNSUPPORTED", "message": "not on a connector port"}]}),
                vec![],
            );
        }
        return Fault::Forward;
    };
    let q: HashMap<String, String> = url_pairs(query);
    let all = upstream_tags(upstream, name);
    let Some(mut all) = all else {
        return Fault::Forward; // the registry's own 404
    };
    all.sort();
    let asked = q.get("n").and_then(|n| n.parse::<usize>().ok());
    let asked = asked.unwrap_or(all.len()).max(1);
    if let Some(refusal) = refusal(vendor, asked) {
        return refusal;
    }
    page(upstream, vendor, name, &all, asked.min(page_size), &q)
}

/// A vendor's answer to a page size over its limit.
fn refusal(vendor: &Vendor, n: usize) -> Option<Fault> {
    match vendor {
        Vendor::Capped { max } if n > *max => {
            let body = json!({"errors": [{"code": "PAGINATION_NUMBER_INVALID", "message": "invalid number of results requested", "detail": {"n": n}}]});
            Some(json_answer(400, body, vec![]))
        }
        Vendor::Ecr { max } if n > *max => {
            let words = format!("1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to {max}");
            Some(json_answer(
                400,
                json!({"errors": [{"code": "INVALID_PARAMETER", "message": words}]}),
                vec![],
            ))
        }
        Vendor::Quay if n > 100 => Some(Fault::Answer(
            413,
            vec![],
            b"<html><body>413 Request Entity Too Large</body></html>".to_vec(),
        )),
        _ => None,
    }
}

fn page(
    upstream: &str,
    vendor: &Vendor,
    name: &str,
    all: &[String],
    n: usize,
    q: &HashMap<String, String>,
) -> Fault {
    let after_tag = |all: &[String]| match q.get("last") {
        Some(last) => all.iter().position(|t| t > last).unwrap_or(all.len()),
        None => 0,
    };
    match vendor {
        Vendor::Quay => {
            let start = q
                .get("next_page")
                .and_then(|t| t.strip_prefix("gAAAAB"))
                .and_then(|o| o.parse().ok())
                .unwrap_or(0);
            let (tags, more) = slice(all, start, n);
            let link = more.then(|| {
                format!(
                    "</v2/{name}/tags/list?next_page=gAAAAB{}&n={n}>; rel=\"next\"",
                    start + n
                )
            });
            list_answer(name, json!(tags), link)
        }
        Vendor::Artifactory => {
            let start = q.get("last").and_then(|o| o.parse().ok()).unwrap_or(0);
            let (tags, more) = slice(all, start, n);
            let dropped = name.split_once('/').map_or(name, |(_, rest)| rest);
            let link = more.then(|| {
                format!(
                    "</v2/{dropped}/tags/list?last={}&n={n}>; rel=\"next\"",
                    start + n
                )
            });
            list_answer(name, json!(tags), link)
        }
        Vendor::Nexus => {
            let (tags, more) = slice(all, after_tag(all), n);
            let mut listed: Vec<Value> = tags.iter().map(|t| json!(t)).collect();
            listed.insert(0, Value::Null);
            listed.push(json!(""));
            let link = more.then(|| {
                let last = tags.last().cloned().unwrap_or_default();
                format!("</repository/docker-proxy/v2/{name}/tags/list?n={n}&last={last}>; rel=\"next\"")
            });
            list_answer(name, Value::Array(listed), link)
        }
        Vendor::GhcrEmpty => list_answer(name, Value::Null, None),
        Vendor::Gcr { lie } => {
            let (tags, more) = slice(all, after_tag(all), n);
            let body = json!({"child": [], "manifest": gcr_map(upstream, name, tags, lie.as_deref()), "name": name, "tags": tags});
            let link = more.then(|| distribution_link(name, tags, n));
            json_answer(
                200,
                body,
                link.into_iter().map(|l| ("Link".to_string(), l)).collect(),
            )
        }
        Vendor::Loop => {
            let (tags, more) = slice(all, 0, n);
            let link = more.then(|| format!("</v2/{name}/tags/list?n={n}>; rel=\"next\""));
            list_answer(name, json!(tags), link)
        }
        Vendor::Stuck => {
            let (tags, more) = slice(all, after_tag(all), n);
            let round = q
                .get("round")
                .and_then(|r| r.parse::<u32>().ok())
                .unwrap_or(0)
                + 1;
            let last = q
                .get("last")
                .cloned()
                .or_else(|| tags.last().cloned())
                .unwrap_or_default();
            let link = more.then(|| {
                format!("</v2/{name}/tags/list?last={last}&n={n}&round={round}>; rel=\"next\"")
            });
            list_answer(name, json!(tags), link)
        }
        Vendor::OtherHost => {
            let (tags, more) = slice(all, after_tag(all), n);
            let last = tags.last().cloned().unwrap_or_default();
            let link = more.then(|| {
                format!("<http://127.0.0.2:9/v2/{name}/tags/list?last={last}&n={n}>; rel=\"next\"")
            });
            list_answer(name, json!(tags), link)
        }
        Vendor::Distribution | Vendor::Capped { .. } | Vendor::Ecr { .. } => {
            let (tags, more) = slice(all, after_tag(all), n);
            list_answer(
                name,
                json!(tags),
                more.then(|| distribution_link(name, tags, n)),
            )
        }
        Vendor::RelativeLink => {
            let (tags, more) = slice(all, after_tag(all), n);
            let last = tags.last().cloned().unwrap_or_default();
            let link = more.then(|| format!("<list?n={n}&last={last}>; rel=\"next\""));
            list_answer(name, json!(tags), link)
        }
    }
}

fn distribution_link(name: &str, tags: &[String], n: usize) -> String {
    let last = tags.last().cloned().unwrap_or_default();
    format!("</v2/{name}/tags/list?last={last}&n={n}>; rel=\"next\"")
}

fn slice(all: &[String], start: usize, n: usize) -> (&[String], bool) {
    let start = start.min(all.len());
    let end = (start + n).min(all.len());
    (&all[start..end], end < all.len())
}

fn list_answer(name: &str, tags: Value, link: Option<String>) -> Fault {
    let headers = link.into_iter().map(|l| ("Link".to_string(), l)).collect();
    json_answer(200, json!({"name": name, "tags": tags}), headers)
}

fn json_answer(status: u16, body: Value, mut headers: Vec<(String, String)>) -> Fault {
    headers.push(("Content-Type".into(), "application/json".into()));
    Fault::Answer(status, headers, serde_json::to_vec(&body).expect("json"))
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

/// Every tag the real registry has for `name`; `None` when it has none.
fn upstream_tags(upstream: &str, name: &str) -> Option<Vec<String>> {
    let response = http()
        .get(format!("{upstream}/v2/{name}/tags/list"))
        .send()
        .ok()?;
    if !response.status().is_success() {
        return None;
    }
    let body: Value = response.json().ok()?;
    let tags = body["tags"].as_array()?;
    Some(
        tags.iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
    )
}

/// gcr.io's map for these tags, from HEADs of the real registry.
fn gcr_map(upstream: &str, name: &str, tags: &[String], lie: Option<&str>) -> Value {
    let mut map = serde_json::Map::new();
    for tag in tags {
        let head = http()
            .head(format!("{upstream}/v2/{name}/manifests/{tag}"))
            .header("Accept", "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
            .send()
            .expect("HEAD upstream");
        let header = |k: &str| {
            head.headers()
                .get(k)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let mut digest = header("docker-content-digest");
        if lie == Some(tag.as_str()) {
            digest = format!("sha256:{}", "0".repeat(64));
        }
        let entry = map.entry(digest).or_insert_with(|| {
            json!({"imageSizeBytes": header("content-length"), "layerId": "", "mediaType": header("content-type"),
                   "tag": [], "timeCreatedMs": "1700000000000", "timeUploadedMs": "1700000001000"})
        });
        entry["tag"].as_array_mut().expect("tags").push(json!(tag));
    }
    Value::Object(map)
}

fn url_pairs(query: &str) -> HashMap<String, String> {
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .expect("query")
        .query_pairs()
        .into_owned()
        .collect()
}

/// Docker Hub's tag API (`/v2/namespaces/{ns}/repositories/{repo}/tags`)
/// for the real registry's repositories: `page_size` tags a page, the
/// fields its OpenAPI `tag` schema names plus the `digest` and
/// `media_type` it serves (from HEADs of the registry), an absolute `next`
/// URL, and newest first (here: reverse lexical order), as the Hub orders.
pub fn hub_api(registry: &Registry, page_size: usize) -> FaultProxy {
    let upstream = registry.base_url();
    let me: std::sync::Arc<std::sync::OnceLock<String>> = Default::default();
    let me2 = me.clone();
    let proxy = FaultProxy::start("127.0.0.1", None, move |seen, _| {
        let base = me2.get().cloned().unwrap_or_default();
        hub_answer(&upstream, &base, page_size, seen)
    });
    let _ = me.set(format!("http://{}", proxy.addr));
    proxy
}

fn hub_answer(upstream: &str, base: &str, page_size: usize, seen: &Seen) -> Fault {
    let (path, query) = seen.path.split_once('?').unwrap_or((&seen.path, ""));
    let parts: Vec<&str> = path.split('/').collect();
    let ["", "v2", "namespaces", ns, "repositories", repo, "tags"] = parts[..] else {
        return json_answer(404, json!({"message": "object not found"}), vec![]);
    };
    let name = format!("{ns}/{repo}");
    let Some(mut all) = upstream_tags(upstream, &name) else {
        return json_answer(
            404,
            json!({"message": "object not found", "errinfo": {}}),
            vec![],
        );
    };
    all.sort();
    all.reverse();
    let q = url_pairs(query);
    let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let size = q
        .get("page_size")
        .and_then(|p| p.parse().ok())
        .unwrap_or(10)
        .min(page_size);
    let (tags, more) = slice(&all, (page - 1) * size, size);
    let map = gcr_map(upstream, &name, tags, None);
    let results: Vec<Value> = tags
        .iter()
        .enumerate()
        .map(|(i, tag)| {
            let (digest, entry) = map
                .as_object()
                .and_then(|m| m.iter().find(|(_, e)| e["tag"].as_array().is_some_and(|t| t.contains(&json!(tag)))))
                .map(|(d, e)| (d.clone(), e.clone()))
                .expect("a digest for every tag");
            json!({"creator": 1234, "id": 1000 + i, "images": [], "last_updated": "2024-02-14T01:02:03.456789Z",
                   "name": tag, "repository": 5678, "digest": digest, "media_type": entry["mediaType"],
                   "content_type": "image", "tag_last_pushed": format!("2024-02-{:02}T01:02:03.456789Z", 1 + i % 28),
                   "tag_status": "active", "full_size": 123456})
        })
        .collect();
    let next = more.then(|| {
        format!(
            "{base}/v2/namespaces/{ns}/repositories/{repo}/tags?page={}&page_size={size}",
            page + 1
        )
    });
    json_answer(
        200,
        json!({"count": all.len(), "next": next, "previous": null, "results": results}),
        vec![],
    )
}
