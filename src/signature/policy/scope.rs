//! The docker transport's scopes, looked up as containers/image does
//! (`docker/policyconfiguration/naming.go`, `signature/policy_eval.go`):
//! the image's own identity (`host/repo:tag` or `host/repo@digest`, fully
//! expanded), then the repository, each parent namespace, the host (with
//! its port), then `*.domain` wildcards of the host without its port, then
//! the transport's `""`; the first scope the policy has wins, and none
//! means the global `default`. Pure.

use crate::reference::Reference;

/// Whether a docker scope can be written in a policy: a leading `*.`
/// wildcard is the only `*` allowed, and no scope ends in `/`.
pub fn validate(scope: &str) -> Result<(), String> {
    let rest = scope.strip_prefix("*.").unwrap_or(scope);
    if rest.contains('*') {
        return Err(format!(
            "{scope:?}: only a leading \"*.\" wildcard is allowed"
        ));
    }
    if scope.ends_with('/') {
        return Err(format!("{scope:?}: a scope does not end in \"/\""));
    }
    Ok(())
}

/// The image identity a scope may name exactly: `name:tag`, or
/// `name@digest` when the reference has a digest (a pin's tag is then
/// informational), `name:latest` when it has neither.
pub fn identity(reference: &Reference) -> String {
    match (reference.digest(), reference.tag()) {
        (Some(digest), _) => format!("{}@{digest}", reference.name()),
        (None, tag) => format!("{}:{}", reference.name(), tag.unwrap_or("latest")),
    }
}

/// Every scope that covers `reference`, most specific first (without the
/// transport's `""`).
pub fn candidates(reference: &Reference) -> Vec<String> {
    let mut out = vec![identity(reference)];
    let mut name = reference.name();
    loop {
        out.push(name.clone());
        match name.rfind('/') {
            Some(at) => name.truncate(at),
            None => break,
        }
    }
    let mut host = name.split(':').next().unwrap_or_default().to_string();
    while let Some(dot) = host.find('.') {
        host = host[dot + 1..].to_string();
        out.push(format!("*.{host}"));
    }
    out
}

/// What `find` has for the first scope it knows (the transport's `""`
/// last), or `None` for the global default.
pub fn lookup<T>(reference: &Reference, find: impl Fn(&str) -> Option<T>) -> Option<T> {
    candidates(reference)
        .into_iter()
        .chain(std::iter::once(String::new()))
        .find_map(|s| find(&s))
}
