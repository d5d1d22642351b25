//! ddigest: resolve container image references to manifest digests over the
//! Registry v2 / OCI Distribution HTTP API. The binary in `main.rs` is a thin
//! shell over these modules; pure ones (`reference`, `digest`,
//! `auth::challenge`, `credentials::config`) do no I/O.

pub mod artifact;
pub mod auth;
pub mod batch;
pub mod cli;
pub mod commands;
pub mod console;
pub mod credentials;
pub mod digest;
pub mod exit;
pub mod image;
pub mod local_config;
pub mod manual;
pub mod media_type;
pub mod output;
pub mod panic;
pub mod pin;
pub mod platform;
pub mod progress;
pub mod reference;
pub mod referrers;
pub mod registries_conf;
pub mod registry;
pub mod resolve;
pub mod secret;
pub mod session;
pub mod signature;
pub mod tags;
pub mod time;
