//! The `(VERSION+FEATURE…)` part of a platform's OS, as containerd's
//! `Parse` reads it and `FormatAll` writes it: which characters it allows,
//! and the percent-encoding of `%`, `+`, `(`, `)` and `/` inside values.

/// Splits `name[(version[+feature…])]` into its three parts (the features
/// with their leading `+`); `None` when it is not that shape.
pub fn split_os(part: &str) -> Option<(&str, &str, &str)> {
    let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-');
    let value_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '%' | '-');
    let (name, options) = match part.find('(') {
        Some(i) => (&part[..i], Some(&part[i + 1..])),
        None => (part, None),
    };
    if name.is_empty() || !name.chars().all(name_char) {
        return None;
    }
    let Some(options) = options else {
        return Some((name, "", ""));
    };
    let inner = options.strip_suffix(')')?;
    let (version, features) = match inner.find('+') {
        Some(i) => inner.split_at(i),
        None => (inner, ""),
    };
    let features_ok = features
        .split('+')
        .skip(1)
        .all(|f| !f.is_empty() && f.chars().all(value_char));
    (version.chars().all(value_char) && features_ok).then_some((name, version, features))
}

/// Undoes `%XX` escapes (Go's `url.PathUnescape`).
pub fn decode(value: &str) -> Result<String, &'static str> {
    if !value.contains('%') {
        return Ok(value.to_string());
    }
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value.get(i + 1..i + 3).ok_or("an escape is cut short")?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| "an escape is not %XX")?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "an escaped value is not UTF-8")
}

/// Reads `+a+b` into its features, each decoded; an empty one is an error.
pub fn parse_features(features: &str) -> Result<Vec<String>, &'static str> {
    let Some(list) = features.strip_prefix('+') else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for raw in list.split('+') {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("an OS feature is empty");
        }
        let feature = decode(raw)?;
        if !feature.is_empty() {
            out.push(feature);
        }
    }
    Ok(out)
}

/// Escapes the characters that would be read as syntax.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '%' => out.push_str("%25"),
            '+' => out.push_str("%2B"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '/' => out.push_str("%2F"),
            c => out.push(c),
        }
    }
    out
}

/// Features sorted, empty and repeated ones left out, escaped, joined by `+`.
pub fn format_features(features: &[String]) -> String {
    let mut sorted: Vec<&str> = features.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let kept: Vec<String> = sorted
        .into_iter()
        .filter(|f| !f.is_empty())
        .map(encode)
        .collect();
    kept.join("+")
}
