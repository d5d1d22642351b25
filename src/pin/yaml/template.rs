//! Kubernetes manifests written as Helm or Go templates are not YAML until
//! rendered, so no parser reads them. Their `image:` lines with a literal
//! reference (an init container's `busybox:1.36`) are still found, line by
//! line, as Renovate does; lines with a template expression are skipped.

use super::super::site::{Found, Site};

/// The `image: REF` lines of a template.
pub fn scan(text: &str) -> Found {
    let mut found = Found::default();
    let mut offset = 0;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += raw.len();
        let Some((at, value)) = image_value(raw) else {
            continue;
        };
        let line = index + 1;
        if value.contains("{{") || value.contains('$') {
            found.skip(line, value, "a template expression, left to the chart");
            continue;
        }
        let reference_chars = |c: char| c.is_ascii_alphanumeric() || "._-/:@".contains(c);
        if value.chars().all(reference_chars) {
            let span = start + at..start + at + value.len();
            found.site(Site::reference(line, span, value, value.to_string()));
        }
    }
    found.sorted()
}

/// Where the value of an `image:` line starts, and the value: quotes,
/// a trailing comment and blanks left out.
fn image_value(raw: &str) -> Option<(usize, &str)> {
    let line = raw.trim_end_matches(['\n', '\r']);
    let body = line.trim_start();
    let body = body.strip_prefix("- ").map_or(body, str::trim_start);
    let after_key = body.strip_prefix("image:")?;
    let value = after_key.trim_start();
    let value = match value.find(" #") {
        Some(comment) => &value[..comment],
        None => value,
    };
    let value = value.trim_end();
    let value = ['"', '\'']
        .iter()
        .find_map(|q| value.strip_prefix(*q)?.strip_suffix(*q))
        .unwrap_or(value);
    if value.is_empty() {
        return None;
    }
    let at = value.as_ptr() as usize - raw.as_ptr() as usize;
    Some((at, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_images_are_found_and_expressions_skipped() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  initContainers:\n    - image: \"busybox:1.36\" # wait\n  containers:\n    - name: app\n      image: {{ .Values.image.repository }}:{{ .Values.image.tag }}\n";
        let found = scan(text);
        assert_eq!(found.sites.len(), 1);
        let site = &found.sites[0];
        assert_eq!((site.line, &text[site.span.clone()]), (7, "busybox:1.36"));
        assert_eq!(found.skips.len(), 1);
        assert_eq!(found.skips[0].line, 10);
    }
}
