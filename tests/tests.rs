//! Integration tests: the ddigest binary against the real distribution
//! registry, started per test on 127.0.0.1. They drive Linux programs
//! (Debian's registry, skopeo, openssl), so they build on Unix only.
#![cfg(unix)]

mod util;

mod auth;
mod batch;
mod cache;
mod conformance;
mod ecosystem;
mod faults;
mod figures;
mod formats;
mod keyless;
mod keyless_registry;
mod pin;
mod pin_kinds;
mod pin_real;
mod pin_safety;
mod platform;
mod platform_rules;
mod platform_vectors;
mod policy;
mod policy_registry;
mod pre_commit;
mod referrers;
mod resolve;
mod show;
mod signatures;
mod static_binary;
mod tags;
mod windows;
