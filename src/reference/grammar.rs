//! The reference grammar of distribution/reference, built from small named
//! pieces exactly as its `regexp.go` does, so each line can be checked
//! against the upstream grammar:
//!
//! ```text
//! reference        := name [ ":" tag ] [ "@" digest ]
//! name             := [domain '/'] remote-name
//! domain           := host [':' port-number]
//! host             := domain-name | IPv4address | \[ IPv6address \]
//! domain-name      := domain-component ['.' domain-component]*
//! domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//! port-number      := /[0-9]+/
//! path-component   := alpha-numeric [separator alpha-numeric]*
//! remote-name      := path-component ['/' path-component]*
//! alpha-numeric    := /[a-z0-9]+/
//! separator        := /[_.]|__|[-]+/
//! tag              := /[\w][\w.-]{0,127}/
//! digest           := algorithm ":" /[0-9a-fA-F]{32,}/
//! identifier       := /[a-f0-9]{64}/
//! ```
//!
//! The compiled expressions are built once, on first use. Pure: no I/O.

use regex::Regex;
use std::sync::LazyLock;

const ALPHANUMERIC: &str = "[a-z0-9]+";
const SEPARATOR: &str = "(?:[._]|__|[-]+)";
const DOMAIN_NAME_COMPONENT: &str = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const OPTIONAL_PORT: &str = "(?::[0-9]+)?";
/// `\w` spelled out: the grammar is ASCII-only.
const TAG: &str = "[0-9A-Za-z_][0-9A-Za-z_.-]{0,127}";
const DIGEST: &str = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}";
const IDENTIFIER: &str = "([a-f0-9]{64})";
const IPV6_ADDRESS: &str = r"\[(?:[a-fA-F0-9:]+)\]";

fn optional(parts: &[&str]) -> String {
    format!("(?:{})?", parts.concat())
}

fn any_times(parts: &[&str]) -> String {
    format!("(?:{})*", parts.concat())
}

fn capture(parts: &[&str]) -> String {
    format!("({})", parts.concat())
}

fn anchored(parts: &[&str]) -> String {
    format!("^{}$", parts.concat())
}

fn domain_name() -> String {
    format!(
        "{DOMAIN_NAME_COMPONENT}{}",
        any_times(&[r"\.", DOMAIN_NAME_COMPONENT])
    )
}

/// `host [":" port]`: the registry part of a name.
pub fn domain_and_port() -> String {
    format!("(?:{}|{IPV6_ADDRESS}){OPTIONAL_PORT}", domain_name())
}

fn remote_name() -> String {
    let path_component = format!("{ALPHANUMERIC}{}", any_times(&[SEPARATOR, ALPHANUMERIC]));
    format!("{path_component}{}", any_times(&["/", &path_component]))
}

fn name() -> String {
    format!("{}{}", optional(&[&domain_and_port(), "/"]), remote_name())
}

fn compile(pattern: &str) -> Regex {
    // The patterns are constants of this module; a failure is a bug caught by
    // every test that parses a reference.
    Regex::new(pattern).expect("reference grammar must compile")
}

/// Whole reference with captures 1 = name, 2 = tag, 3 = digest.
pub static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    compile(&anchored(&[
        &capture(&[&name()]),
        &optional(&[":", &capture(&[TAG])]),
        &optional(&["@", &capture(&[DIGEST])]),
    ]))
});

/// A name with captures 1 = domain (may not participate), 2 = path.
pub static ANCHORED_NAME: LazyLock<Regex> = LazyLock::new(|| {
    compile(&anchored(&[
        &optional(&[&capture(&[&domain_and_port()]), "/"]),
        &capture(&[&remote_name()]),
    ]))
});

/// A 64-hex image id, which Docker refuses as a repository name.
pub static ANCHORED_IDENTIFIER: LazyLock<Regex> =
    LazyLock::new(|| compile(&anchored(&[IDENTIFIER])));

/// A tag on its own.
pub static ANCHORED_TAG: LazyLock<Regex> = LazyLock::new(|| compile(&anchored(&[TAG])));

/// A digest on its own, by the generic grammar (any algorithm name).
pub static ANCHORED_DIGEST: LazyLock<Regex> = LazyLock::new(|| compile(&anchored(&[DIGEST])));

/// The domain grammar on its own, anchored.
pub static ANCHORED_DOMAIN: LazyLock<Regex> =
    LazyLock::new(|| compile(&anchored(&[&domain_and_port()])));
