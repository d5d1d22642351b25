//! `ddigest pin` and `ddigest check`: the image references in Dockerfiles,
//! compose files, Kubernetes manifests and GitHub Actions workflows, pinned
//! to digests in place and checked for drift. Scanners (`dockerfile`,
//! `yaml`), edits and diffs (`site`, `edit`) are pure; `files`, `scan`,
//! `lookup` and `command` do the I/O.

mod command;
pub mod dockerfile;
pub mod edit;
pub mod files;
pub mod lookup;
pub mod scan;
pub mod site;
pub mod yaml;

pub use command::{check, pin};
pub use lookup::PinnedGone;
