//! Registry authentication, the pure part: parsing `WWW-Authenticate`
//! challenges and token responses. The exchange over HTTP is in
//! `registry::client` (`auth`, `token`).

pub mod challenge;
pub mod token;
