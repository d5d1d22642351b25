//! Manifest media types, the one `Accept` list every manifest request sends,
//! and reading a manifest body through a size limit, byte for byte.

use super::error::BodyTooLarge;

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// Every type named, lists first: a registry that rewrites content missing
/// from `Accept` (a list to its amd64 child, schema2 to schema1) or hides it
/// (OCI content answered with 404) must send the stored bytes instead.
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.v2+json";

/// Largest manifest body ddigest reads (distribution's own limit is 4 MiB).
pub const MAX_MANIFEST_BYTES: usize = 4 * 1024 * 1024;

/// Reads the whole body (a manifest, or a token response), failing once it
/// passes `limit` bytes, whatever `Content-Length` claimed.
pub async fn read_body(mut response: reqwest::Response, limit: usize) -> anyhow::Result<Vec<u8>> {
    if let Some(len) = response.content_length() {
        if len > limit as u64 {
            return Err(BodyTooLarge::Declared { len, limit }.into());
        }
    }
    let mut body = Vec::with_capacity(response.content_length().unwrap_or(0) as usize);
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Err(BodyTooLarge::Read { limit }.into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_names_all_four_types() {
        for t in [OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST] {
            assert!(ACCEPT.split(", ").any(|a| a == t), "{t}");
        }
    }
}
