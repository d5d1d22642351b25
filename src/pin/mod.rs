//! `ddigest pin` and `ddigest check`: the image references in Dockerfiles,
//! compose files, Kubernetes manifests and GitHub Actions workflows, pinned
//! to digests in place and checked for drift. Scanners (`dockerfile`,
//! `yaml`), edits and diffs (`site`, `edit`) are pure; `files`, `scan`,
//! `lookup` and `session` do the I/O. The commands themselves are
//! `commands::pin` and `commands::check`.

pub mod dockerfile;
pub mod drift;
pub mod edit;
pub mod files;
pub mod finding;
pub mod lookup;
pub mod scan;
pub mod session;
pub mod site;
pub mod yaml;
