//! `scripts/bench`: ddigest next to the seed article's skopeo function and
//! the wire floor (curl with a pre-fetched token), against the real
//! registry on loopback in token-auth mode over TLS, as Docker Hub works,
//! plus a plain-HTTP registry and the same TLS setup 25 ms away through a
//! latency proxy. Commands are alternated round by round and medians
//! taken. Prints one markdown table and writes it, with the machine
//! described, to `benches/results.md`. Not a test: nothing here asserts a
//! target; the table says which are met.

#[cfg(unix)]
#[allow(dead_code)]
#[path = "../../tests/util/mod.rs"]
mod util;

#[cfg(unix)]
mod keyless;
#[cfg(unix)]
mod latency;
#[cfg(unix)]
mod measure;
#[cfg(unix)]
mod sections;
#[cfg(unix)]
mod setup;
#[cfg(unix)]
mod table;
#[cfg(unix)]
mod tags;

#[cfg(unix)]
fn main() {
    sections::main();
}

/// The registry, skopeo and GNU time it drives are Linux programs.
#[cfg(not(unix))]
fn main() {
    eprintln!("scripts/bench runs on Linux");
}
