//! Where a YAML scalar's value is written in the text, so that it can be
//! edited in place: plain, quoted, a one-line block scalar, or the default
//! of a compose `${VAR:-image}`. Pure.

use super::events::Style;
use std::ops::Range;

/// Where `image` is in `${VAR:-image}` or `${VAR-image}` (compose's
/// interpolation with a default), when that is the whole value.
pub fn variable_default(value: &str) -> Option<Range<usize>> {
    let inner = value.strip_prefix("${")?.strip_suffix('}')?;
    let name_len = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|&n| n > 0)?;
    let rest = &inner[name_len..];
    let skip = if rest.starts_with(":-") {
        2
    } else if rest.starts_with('-') {
        1
    } else {
        return None;
    };
    let start = 2 + name_len + skip;
    let default = &value[start..value.len() - 1];
    let literal = !default.is_empty() && !default.contains(['$', '{', '}']);
    literal.then_some(start..start + default.len())
}

/// Where the characters of a scalar's value are: the value itself when
/// plain, inside the quotes when quoted, the one content line of a block
/// scalar (`image: >-` then the reference alone on the next line); `None`
/// when the source differs from the value (escapes, folded lines).
pub fn scalar_span(text: &str, start: usize, style: Style, value: &str) -> Option<Range<usize>> {
    let quote = match style {
        Style::Plain => None,
        Style::SingleQuoted => Some('\''),
        Style::DoubleQuoted => Some('"'),
        Style::Literal | Style::Folded => return block_span(text, start, value),
    };
    let begin = start + quote.map_or(0, char::len_utf8);
    let span = begin..begin + value.len();
    let written = text.get(span.clone())?;
    let closed = quote.is_none_or(|q| text[span.end..].starts_with(q));
    (written == value && closed).then_some(span)
}

/// A block scalar whose content is one line holding `value` (less its
/// final line break): that line's characters.
fn block_span(text: &str, indicator: usize, value: &str) -> Option<Range<usize>> {
    let content = value.strip_suffix('\n').unwrap_or(value);
    if content.is_empty() || content.contains('\n') {
        return None;
    }
    let header_end = indicator + text.get(indicator..)?.find('\n')? + 1;
    let mut at = header_end;
    // Blank lines before the content are allowed; the first other line
    // must hold exactly the value.
    for line in text.get(header_end..)?.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start_matches(' ');
        if trimmed.is_empty() {
            at += line.len();
            continue;
        }
        let begin = at + (body.len() - trimmed.len());
        return (trimmed.trim_end() == content).then_some(begin..begin + content.len());
    }
    None
}
