//! Registry authentication: parsing `WWW-Authenticate` challenges (pure) and
//! the token exchange with a Bearer realm (I/O).

pub mod challenge;
pub mod token;
