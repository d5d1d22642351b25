//! `ddigest pin` and `ddigest check`: the image references in Dockerfiles,
//! compose files, Kubernetes manifests, Helm values, kustomizations, CI
//! configurations, dev containers, Quadlet units, bake files and Terraform,
//! pinned to digests in place and checked for drift. Scanners
//! (`dockerfile`, `yaml`, `json`, `hcl`, `quadlet`), opt-outs (`ignore`),
//! edits and diffs (`site`, `edit`) are pure; `files`, `scan`, `lookup`,
//! `session` and `write` do the I/O. The commands themselves are `commands::pin`
//! and `commands::check`.

pub mod dockerfile;
pub mod drift;
pub mod edit;
pub mod files;
pub mod finding;
pub mod hcl;
pub mod ignore;
pub mod json;
pub mod lookup;
pub mod quadlet;
pub mod scan;
pub mod session;
pub mod site;
pub mod write;
pub mod yaml;
