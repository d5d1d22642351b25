//! How `GET /v2/<name>/tags/list` pages, as registries really do it, and
//! nothing else: the first page's query (`n=1000`), where a `Link` header's
//! next page is (resolved against the request URL; another scheme or host
//! refused, as crane does since its SSRF fix; a path that is not ours, as
//! Artifactory and Nexus send, rebuilt as `?n=&last=` on ours), the page
//! size a 400 or 413 asks for, and the guard against a registry that sends
//! us round in circles. Pure: no I/O.

use reqwest::Url;
use std::collections::HashSet;

/// The page size asked for first: distribution v3's and ECR's most.
pub const FIRST_N: u32 = 1000;
/// The page size tried after a refusal that names no number (Quay's cap).
pub const FALLBACK_N: u32 = 100;

/// The request tail (after `/v2/<name>/`) of a page of `n` tags after `last`.
pub fn page_tail(n: u32, last: Option<&str>) -> String {
    let mut tail = format!("tags/list?n={n}");
    if let Some(last) = last {
        tail.push_str("&last=");
        tail.push_str(&encode(last));
    }
    tail
}

/// Percent-encodes a query value (tags are `[A-Za-z0-9_.-]`, but a `last`
/// copied from a vendor's link may hold anything).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Why a next page is not followed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkProblem {
    #[error("the registry's next-page link {0} points at another scheme or host; not followed")]
    OtherHost(String),
    #[error("the registry's next-page link {0} cannot be read")]
    Unreadable(String),
    #[error(
        "the registry's next-page link {0} is on another path and names no `last` to go on from"
    )]
    NoLast(String),
}

/// The `rel="next"` target among a `Link` header's values, as written.
pub fn next_target(link: &str) -> Option<&str> {
    link.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once('>')?;
        let target = target.trim().strip_prefix('<')?;
        let is_next = params.split(';').any(|p| {
            let Some((key, value)) = p.trim().split_once('=') else {
                return false;
            };
            let value = value.trim().trim_matches('"');
            key.trim().eq_ignore_ascii_case("rel")
                && value
                    .split_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
        });
        is_next.then_some(target)
    })
}

/// The tail to request for the next page that `link` names, the request
/// having gone to `requested` for the tag list of `name`; `n` is the page
/// size asked for. `None` when there is no next page.
pub fn next_tail(
    link: Option<&str>,
    requested: &Url,
    name: &str,
    n: u32,
) -> Result<Option<String>, LinkProblem> {
    let Some(target) = link.and_then(next_target) else {
        return Ok(None);
    };
    let url = requested
        .join(target)
        .map_err(|_| LinkProblem::Unreadable(target.to_string()))?;
    if !same_origin(&url, requested) {
        return Err(LinkProblem::OtherHost(target.to_string()));
    }
    let own = format!("/v2/{name}/tags/list");
    if url.path() == own {
        let query = url.query().unwrap_or_default();
        return Ok(Some(format!("tags/list?{query}")));
    }
    // A vendor that dropped or mangled the path prefix: its `last` (and
    // `n`) on our own path.
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let value = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    let last = value("last").ok_or_else(|| LinkProblem::NoLast(target.to_string()))?;
    let n = value("n").and_then(|v| v.parse().ok()).unwrap_or(n);
    Ok(Some(page_tail(n, Some(last))))
}

/// Whether a next page may be followed: the same scheme, host and port.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The page size a refused first page asks for: a 400 or 413 whose words
/// name `n` or `maxResults` (distribution's PAGINATION_NUMBER_INVALID,
/// ECR's `maxResults` constraint, Quay's 413), retried at the number it
/// states when that is smaller, else at 100. `None`: not about the size.
pub fn smaller_page(status: u16, words: &str, asked: u32) -> Option<u32> {
    if !matches!(status, 400 | 413) {
        return None;
    }
    let lower = words.to_ascii_lowercase();
    let about_size = lower.contains("pagination_number_invalid")
        || lower.contains("maxresults")
        || mentions_n(&lower)
        || status == 413;
    if !about_size {
        return None;
    }
    // distribution echoes the size asked for (`"detail":{"n":10000}`,
    // go-containerregistry#2062): that number is no limit.
    let stated: Vec<u32> = numbers(&lower).filter(|&k| k > 0 && k != asked).collect();
    let n = match stated.iter().filter(|&&k| k < asked).max() {
        Some(&cap) => cap,
        // It names a limit we kept to: the size was not what it refused.
        None if !stated.is_empty() => return None,
        None => FALLBACK_N,
    };
    (n < asked).then_some(n)
}

/// Whether `n` stands alone as a word (`"n"`, `n=`, `parameter n`).
fn mentions_n(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        let alone = |j: Option<&u8>| j.is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'_');
        b == b'n' && alone(i.checked_sub(1).and_then(|k| bytes.get(k))) && alone(bytes.get(i + 1))
    })
}

fn numbers(text: &str) -> impl Iterator<Item = u32> + '_ {
    text.split(|c: char| !c.is_ascii_digit())
        .filter_map(|d| d.parse().ok())
}

/// Stops a listing that goes round: a page asked for twice, or a `last`
/// that does not move on.
#[derive(Default)]
pub struct Guard {
    asked: HashSet<String>,
    last: Option<String>,
}

/// Why the guard stopped a listing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Loop {
    #[error("the registry sent the same next page again; stopped there")]
    Repeated,
    #[error("the registry's next page starts where the last one did ({0}); stopped there")]
    Stuck(String),
}

impl Guard {
    /// Records a page about to be asked for, whose tail is `tail` and
    /// whose page before ended at `last`.
    pub fn ask(&mut self, tail: &str, last: Option<&str>) -> Result<(), Loop> {
        if !self.asked.insert(tail.to_string()) {
            return Err(Loop::Repeated);
        }
        if let (Some(before), Some(now)) = (&self.last, last) {
            if before == now {
                return Err(Loop::Stuck(now.to_string()));
            }
        }
        if last.is_some() {
            self.last = last.map(str::to_string);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn next_links_resolve_against_the_request() {
        let asked = url("https://r.example/v2/library/node/tags/list?n=1000");
        // distribution v3: an absolute path.
        let link = r#"</v2/library/node/tags/list?last=20&n=1000>; rel="next""#;
        let tail = next_tail(Some(link), &asked, "library/node", 1000).unwrap();
        assert_eq!(tail.as_deref(), Some("tags/list?last=20&n=1000"));
        // Relative to the request's folder, unquoted rel, several links.
        let link = r#"<list?n=5&last=b>; rel=next, <https://r.example/x>; rel="prev""#;
        let tail = next_tail(Some(link), &asked, "library/node", 1000).unwrap();
        assert_eq!(tail.as_deref(), Some("tags/list?n=5&last=b"));
        assert_eq!(next_tail(None, &asked, "library/node", 1000), Ok(None));
        let prev_only = r#"</v2/library/node/tags/list?last=a>; rel="prev""#;
        assert_eq!(
            next_tail(Some(prev_only), &asked, "library/node", 9),
            Ok(None)
        );
    }

    #[test]
    fn another_host_or_scheme_is_refused() {
        let asked = url("https://r.example/v2/app/tags/list?n=1000");
        for link in [
            r#"<https://evil.example/v2/app/tags/list?last=a>; rel="next""#,
            r#"<http://r.example/v2/app/tags/list?last=a>; rel="next""#,
            r#"<https://r.example:8443/v2/app/tags/list?last=a>; rel="next""#,
            r#"<//evil.example/v2/app/tags/list?last=a>; rel="next""#,
        ] {
            let got = next_tail(Some(link), &asked, "app", 1000);
            assert!(
                matches!(got, Err(LinkProblem::OtherHost(_))),
                "{link}: {got:?}"
            );
        }
        let same = r#"<https://r.example:443/v2/app/tags/list?last=a>; rel="next""#;
        assert!(next_tail(Some(same), &asked, "app", 1000).is_ok());
    }

    #[test]
    fn a_vendor_path_is_rebuilt_on_ours() {
        let asked = url("https://art.example/v2/team/app/tags/list?n=1000");
        // Artifactory behind a proxy: the repository key in front.
        let link = r#"</artifactory/api/docker/docker-local/v2/team/app/tags/list?last=1.2%2B3&n=50>; rel="next""#;
        let tail = next_tail(Some(link), &asked, "team/app", 1000).unwrap();
        assert_eq!(tail.as_deref(), Some("tags/list?n=50&last=1.2%2B3"));
        // Nexus: the name dropped.
        let link = r#"</v2/tags/list?last=zz>; rel="next""#;
        let tail = next_tail(Some(link), &asked, "team/app", 1000).unwrap();
        assert_eq!(tail.as_deref(), Some("tags/list?n=1000&last=zz"));
        let link = r#"</elsewhere?page=2>; rel="next""#;
        assert!(matches!(
            next_tail(Some(link), &asked, "team/app", 1000),
            Err(LinkProblem::NoLast(_))
        ));
    }

    #[test]
    fn a_refused_page_size_is_retried_smaller() {
        // ECR's words.
        let ecr = "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to 1000'";
        assert_eq!(smaller_page(400, ecr, 5000), Some(1000));
        assert_eq!(smaller_page(400, ecr, 2000), Some(1000));
        let limit_above = "maxResults must be less than or equal to 5000";
        assert_eq!(smaller_page(400, limit_above, 1000), None);
        // distribution: PAGINATION_NUMBER_INVALID, echoing the size asked.
        let dist = r#"PAGINATION_NUMBER_INVALID: invalid number of results requested {"n":1000}"#;
        assert_eq!(smaller_page(400, dist, 1000), Some(100));
        // Quay's 413, no number: 100.
        assert_eq!(
            smaller_page(413, "Request Entity Too Large", 1000),
            Some(100)
        );
        assert_eq!(smaller_page(400, "invalid n", 1000), Some(100));
        // A 400 about something else is not retried.
        assert_eq!(
            smaller_page(400, "NAME_INVALID: invalid repository name", 1000),
            None
        );
        assert_eq!(smaller_page(404, "maxResults", 1000), None);
        assert_eq!(smaller_page(413, "too large", 100), None);
    }

    #[test]
    fn the_guard_stops_circles() {
        let mut guard = Guard::default();
        assert!(guard.ask("tags/list?n=1000", None).is_ok());
        assert!(guard.ask("tags/list?n=1000&last=b", Some("b")).is_ok());
        assert_eq!(
            guard.ask("tags/list?n=1000&last=b", Some("b")),
            Err(Loop::Repeated)
        );
        assert_eq!(
            guard.ask("tags/list?last=b&n=1000", Some("b")),
            Err(Loop::Stuck("b".into()))
        );
        assert!(guard.ask("tags/list?n=1000&last=c", Some("c")).is_ok());
    }

    #[test]
    fn a_last_is_encoded() {
        assert_eq!(
            page_tail(10, Some("a b&c")),
            "tags/list?n=10&last=a%20b%26c"
        );
        assert_eq!(page_tail(1000, None), "tags/list?n=1000");
    }
}
