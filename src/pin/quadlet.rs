//! Podman Quadlet units: `Image=` in the `[Container]` section of a
//! `*.container` unit and the `[Image]` section of a `*.image` unit. A
//! `docker://` prefix is kept and the rest pinned; other transports
//! (`oci:`, `containers-storage:`, …) and `x.image` / `x.build` (other
//! units) are left alone; `ImageTag=` names a tag to give, not an image.
//! Pure.

use super::site::{Found, Site};

/// Transports other than a registry's, as containers-transports(5) lists.
const OTHER_TRANSPORTS: &[&str] = &[
    "containers-storage:",
    "dir:",
    "docker-archive:",
    "docker-daemon:",
    "oci:",
    "oci-archive:",
    "sif:",
];

pub fn scan(text: &str) -> Found {
    let mut found = Found::default();
    let mut section = String::new();
    let mut offset = 0;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = name.to_string();
            continue;
        }
        if !matches!(section.as_str(), "Container" | "Image") {
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            continue;
        };
        if key.trim_end() != "Image" {
            continue;
        }
        let value = value.trim();
        // systemd takes `"…"` around a whole value off.
        let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            Some(inner) if !inner.contains('"') => inner,
            _ => value,
        };
        let at = start + (value.as_ptr() as usize - raw.as_ptr() as usize);
        image(&mut found, index + 1, at, value);
    }
    found.sorted()
}

fn image(found: &mut Found, line: usize, at: usize, value: &str) {
    if value.is_empty() {
        return;
    }
    if value.ends_with(".image") || value.ends_with(".build") {
        return found.skip(line, value, "names another Quadlet unit");
    }
    if OTHER_TRANSPORTS.iter().any(|t| value.starts_with(t)) {
        return found.skip(line, value, "not a registry's image (another transport)");
    }
    let prefix = if value.starts_with("docker://") {
        "docker://".len()
    } else {
        0
    };
    let reference = &value[prefix..];
    if reference.contains(['$', '%', '"', '\'', ' ', '\\']) {
        let reason = "holds a specifier, quotes or an escape, which ddigest does not edit";
        return found.skip(line, reference, reason);
    }
    let span = at + prefix..at + value.len();
    found.site(Site::reference(
        line,
        span,
        reference,
        reference.to_string(),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_keys_in_their_sections() {
        let text = "[Unit]\nDescription=web\nImage=not-here:1\n\n[Container]\n# the app\nImage=docker://quay.io/org/app:2\nImageTag=org/app:stable\nPublishPort=8080:80\n\n[Image]\nImage = \"nginx:1.27\"\n[Container]\nImage=db.image\nImage=oci-archive:/tmp/x.tar\n";
        let found = scan(text);
        let sites: Vec<_> = found
            .sites
            .iter()
            .map(|s| (s.line, &text[s.span.clone()]))
            .collect();
        assert_eq!(sites, [(7, "quay.io/org/app:2"), (12, "nginx:1.27")]);
        let skips: Vec<usize> = found.skips.iter().map(|s| s.line).collect();
        assert_eq!(skips, [14, 15]);
    }
}
