//! Reading a response body through a size limit, byte for byte: all of a
//! manifest, config or token answer (more is an error, whatever
//! `Content-Length` claimed), or the first part of an error body.

use super::error::BodyTooLarge;
use super::request_error::RequestError;

/// Largest manifest or config body ddigest reads (distribution's own limit
/// is 4 MiB).
pub const MAX_MANIFEST_BYTES: usize = 4 * 1024 * 1024;

/// Past the limit: fail, or keep what fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    Fail,
    Truncate,
}

/// The body, at most `limit` bytes of it.
pub async fn read_body(
    mut response: reqwest::Response,
    limit: usize,
    overflow: Overflow,
) -> Result<Vec<u8>, RequestError> {
    if let Some(len) = response.content_length() {
        if len > limit as u64 && overflow == Overflow::Fail {
            return Err(BodyTooLarge::Declared { len, limit }.into());
        }
    }
    let expected = response.content_length().unwrap_or(0).min(limit as u64);
    let mut body = Vec::with_capacity(expected as usize);
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            if overflow == Overflow::Fail {
                return Err(BodyTooLarge::Read { limit }.into());
            }
            body.extend_from_slice(&chunk[..limit - body.len()]);
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
