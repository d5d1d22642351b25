//! The manifest media types ddigest reads, and the `Accept` list every
//! manifest request sends, built from them. Pure data.

use std::sync::LazyLock;

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// Every manifest type ddigest reads, lists first.
pub const MANIFEST_TYPES: [&str; 4] = [OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST];

/// Every type named, lists first: a registry that rewrites content missing
/// from `Accept` (a list to its amd64 child, schema2 to schema1) or hides it
/// (OCI content answered with 404) must send the stored bytes instead.
pub static ACCEPT: LazyLock<String> = LazyLock::new(|| MANIFEST_TYPES.join(", "));

/// A Docker manifest list or an OCI index.
pub fn is_index_type(media_type: &str) -> bool {
    media_type == OCI_INDEX || media_type == DOCKER_LIST
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_names_every_type_lists_first() {
        assert_eq!(ACCEPT.split(", ").collect::<Vec<_>>(), MANIFEST_TYPES);
        assert!(is_index_type(OCI_INDEX) && is_index_type(DOCKER_LIST));
        assert!(!is_index_type(OCI_MANIFEST));
    }
}
