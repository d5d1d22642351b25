//! Integration tests: the ddigest binary against the real distribution
//! registry, started per test on 127.0.0.1.

mod util;

mod auth;
mod batch;
mod cache;
mod conformance;
mod ecosystem;
mod faults;
mod figures;
mod formats;
mod pin;
mod pin_kinds;
mod pin_real;
mod pin_safety;
mod platform;
mod platform_rules;
mod platform_vectors;
mod pre_commit;
mod referrers;
mod resolve;
mod show;
mod signatures;
mod tags;
