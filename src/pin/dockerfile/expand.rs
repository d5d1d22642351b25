//! Variables in Dockerfile words, as BuildKit's shell lexer expands them:
//! `$V`, `${V}`, `${V:-word}`, `${V:+word}`, quotes, and where a literal
//! image sits inside an `ARG` default. Pure.

use std::ops::Range;

/// The byte range inside matching quotes, or the whole value.
pub fn unquote(value: &str) -> Range<usize> {
    let bytes = value.as_bytes();
    match bytes {
        [q @ (b'"' | b'\''), .., last] if bytes.len() >= 2 && last == q => 1..value.len() - 1,
        _ => 0..value.len(),
    }
}

/// `V` when `text` is exactly `$V` or `${V}`.
pub fn whole_variable(text: &str) -> Option<&str> {
    let name = match text.strip_prefix("${") {
        Some(rest) => rest.strip_suffix('}')?,
        None => text.strip_prefix('$')?,
    };
    let valid = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    valid.then_some(name)
}

/// Expands `$V`, `${V}`, `${V:-word}` and `${V:+word}` (also without the
/// colon) as BuildKit's shell lexer does, quotes included: `'…'` is taken
/// literally, `"…"` expands variables, and the quote characters themselves
/// are removed (`${REF:-"gcr.io/x/y:1"}` is `gcr.io/x/y:1`). An error says
/// which variable has no value.
pub fn expand(
    text: &str,
    lookup: &dyn Fn(&str) -> Result<String, String>,
) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    let mut double = false;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        match c {
            '\'' if !double => {
                let end = rest
                    .find('\'')
                    .ok_or_else(|| format!("unclosed ' in {text}"))?;
                out.push_str(&rest[..end]);
                rest = &rest[end + 1..];
            }
            '"' => double = !double,
            '$' => rest = variable(rest, text, lookup, &mut out)?,
            c => out.push(c),
        }
    }
    if double {
        return Err(format!("unclosed \" in {text}"));
    }
    Ok(out)
}

/// Expands the variable after a `$` into `out`; returns what follows it.
fn variable<'t>(
    rest: &'t str,
    text: &str,
    lookup: &dyn Fn(&str) -> Result<String, String>,
    out: &mut String,
) -> Result<&'t str, String> {
    if let Some(braced) = rest.strip_prefix('{') {
        let end = closing_brace(braced).ok_or_else(|| format!("unclosed ${{ in {text}"))?;
        out.push_str(&substitute(&braced[..end], lookup)?);
        return Ok(&braced[end + 1..]);
    }
    let len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    if len == 0 {
        out.push('$');
        return Ok(rest);
    }
    out.push_str(&lookup(&rest[..len])?);
    Ok(&rest[len..])
}

/// The `}` that closes a `${`, past nested `${…}` and quoted text.
fn closing_brace(braced: &str) -> Option<usize> {
    let (mut depth, mut quote) = (0usize, None);
    for (i, c) in braced.char_indices() {
        match (c, quote) {
            ('\'' | '"', None) => quote = Some(c),
            (c, Some(q)) if c == q => quote = None,
            (_, Some(_)) => {}
            ('{', None) => depth += 1,
            ('}', None) if depth == 0 => return Some(i),
            ('}', None) => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The inside of `${…}`; the word of `:-` and `:+` is expanded in turn.
fn substitute(
    inner: &str,
    lookup: &dyn Fn(&str) -> Result<String, String>,
) -> Result<String, String> {
    let name_len = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let (name, modifier) = inner.split_at(name_len);
    let modifier = modifier.strip_prefix(':').unwrap_or(modifier);
    let value = lookup(name).ok().filter(|v| !v.is_empty());
    match (modifier.chars().next(), value) {
        (None, _) => lookup(name),
        (Some('-'), Some(v)) => Ok(v),
        (Some('-'), None) => expand(&modifier[1..], lookup),
        (Some('+'), Some(_)) => expand(&modifier[1..], lookup),
        (Some('+'), None) => Ok(String::new()),
        _ => Err(format!(
            "${{{inner}}} is a substitution ddigest does not expand"
        )),
    }
}

/// For `ARG NAME=${NAME:-word}` (a default the build may override): where
/// `word` is within the value, quotes left out, when it is literal.
pub fn self_default(name: &str, raw: &str) -> Option<Range<usize>> {
    let inner = raw.strip_prefix("${")?.strip_suffix('}')?;
    let rest = inner.strip_prefix(name)?;
    let word_at = if rest.starts_with(":-") {
        2
    } else if rest.starts_with('-') {
        1
    } else {
        return None;
    };
    let word = &rest[word_at..];
    let quoted = unquote(word);
    let literal = &word[quoted.clone()];
    if literal.is_empty() || literal.contains(['$', '"', '\'', '}']) {
        return None;
    }
    let offset = 2 + name.len() + word_at + quoted.start;
    Some(offset..offset + literal.len())
}
