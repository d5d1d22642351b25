//! libyaml's event parser — the C library that Go's yaml.v3 (and so docker
//! compose and kubectl) was ported from, here in unsafe-libyaml's line-by-
//! line Rust translation — behind a safe interface: events with their
//! anchors and byte positions, or the parser's error with its line and
//! column. Using libyaml itself is what makes ddigest accept exactly the
//! YAML those tools accept. All `unsafe` of `pin` is in this file.

use std::ffi::CStr;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use unsafe_libyaml as unsafe_sys;

/// How a scalar is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|`
    Literal,
    /// `>`
    Folded,
}

/// One parser event; positions are byte offsets into the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    StreamEnd,
    Scalar {
        value: String,
        style: Style,
        anchor: Option<String>,
        /// Where the scalar starts: its quote or block indicator, if any.
        start: usize,
        /// Where it ends (after a closing quote).
        end: usize,
    },
    Alias {
        anchor: String,
    },
    SequenceStart {
        anchor: Option<String>,
    },
    SequenceEnd,
    MappingStart {
        anchor: Option<String>,
    },
    MappingEnd,
    /// Stream and document boundaries.
    Other,
}

/// What libyaml refused, and where (1-based).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{problem} at line {line} column {column}{}", context_text(.context))]
pub struct YamlError {
    pub problem: String,
    pub line: usize,
    pub column: usize,
    pub context: Option<String>,
}

fn context_text(context: &Option<String>) -> String {
    context
        .as_ref()
        .map_or(String::new(), |c| format!(" ({c})"))
}

/// A libyaml parser reading `input`, which it borrows for its lifetime.
pub struct Parser<'input> {
    /// Boxed so that libyaml's own pointers into it never move.
    raw: Box<MaybeUninit<unsafe_sys::yaml_parser_t>>,
    /// Bytes a UTF-8 byte-order mark took before libyaml's offsets.
    bom: usize,
    finished: bool,
    _input: PhantomData<&'input [u8]>,
}

impl<'input> Parser<'input> {
    pub fn new(input: &'input [u8]) -> Parser<'input> {
        let mut raw = Box::new(MaybeUninit::<unsafe_sys::yaml_parser_t>::uninit());
        // SAFETY: `raw` is valid for writes; initialize zeroes and sets it
        // up (it fails only when allocation fails, which aborts in Rust).
        // The input outlives the parser (`'input`), which only reads it.
        unsafe {
            let parser = raw.as_mut_ptr();
            let _ = unsafe_sys::yaml_parser_initialize(parser);
            unsafe_sys::yaml_parser_set_input_string(parser, input.as_ptr(), input.len() as _);
        }
        let bom = if input.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        Parser {
            raw,
            bom,
            finished: false,
            _input: PhantomData,
        }
    }

    /// The next event; after `StreamEnd` or an error, `StreamEnd` again.
    pub fn next_event(&mut self) -> Result<Event, YamlError> {
        if self.finished {
            return Ok(Event::StreamEnd);
        }
        let mut event = MaybeUninit::<unsafe_sys::yaml_event_t>::uninit();
        // SAFETY: the parser was initialized in `new` and is not shared;
        // a successful parse fills `event`, which is read and then freed
        // with `yaml_event_delete` exactly once.
        unsafe {
            let parser = self.raw.as_mut_ptr();
            if unsafe_sys::yaml_parser_parse(parser, event.as_mut_ptr()).fail {
                self.finished = true;
                return Err(error(&*parser));
            }
            let event = event.as_mut_ptr();
            let converted = convert(&*event, self.bom);
            unsafe_sys::yaml_event_delete(event);
            if converted == Event::StreamEnd {
                self.finished = true;
            }
            Ok(converted)
        }
    }
}

impl Drop for Parser<'_> {
    fn drop(&mut self) {
        // SAFETY: initialized in `new`, deleted once here.
        unsafe { unsafe_sys::yaml_parser_delete(self.raw.as_mut_ptr()) }
    }
}

/// # Safety
/// `event` must be an event libyaml filled in and has not freed.
unsafe fn convert(event: &unsafe_sys::yaml_event_t, bom: usize) -> Event {
    match event.type_ {
        unsafe_sys::YAML_STREAM_END_EVENT => Event::StreamEnd,
        unsafe_sys::YAML_SCALAR_EVENT => {
            let scalar = &event.data.scalar;
            let bytes = if scalar.value.is_null() {
                &[][..]
            } else {
                std::slice::from_raw_parts(scalar.value, scalar.length as usize)
            };
            Event::Scalar {
                value: String::from_utf8_lossy(bytes).into_owned(),
                style: match scalar.style {
                    unsafe_sys::YAML_SINGLE_QUOTED_SCALAR_STYLE => Style::SingleQuoted,
                    unsafe_sys::YAML_DOUBLE_QUOTED_SCALAR_STYLE => Style::DoubleQuoted,
                    unsafe_sys::YAML_LITERAL_SCALAR_STYLE => Style::Literal,
                    unsafe_sys::YAML_FOLDED_SCALAR_STYLE => Style::Folded,
                    _ => Style::Plain,
                },
                anchor: text(scalar.anchor),
                start: event.start_mark.index as usize + bom,
                end: event.end_mark.index as usize + bom,
            }
        }
        unsafe_sys::YAML_ALIAS_EVENT => Event::Alias {
            anchor: text(event.data.alias.anchor).unwrap_or_default(),
        },
        unsafe_sys::YAML_SEQUENCE_START_EVENT => Event::SequenceStart {
            anchor: text(event.data.sequence_start.anchor),
        },
        unsafe_sys::YAML_SEQUENCE_END_EVENT => Event::SequenceEnd,
        unsafe_sys::YAML_MAPPING_START_EVENT => Event::MappingStart {
            anchor: text(event.data.mapping_start.anchor),
        },
        unsafe_sys::YAML_MAPPING_END_EVENT => Event::MappingEnd,
        _ => Event::Other,
    }
}

/// # Safety
/// `ptr` is null or a NUL-terminated string libyaml owns.
unsafe fn text(ptr: *const u8) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    Some(CStr::from_ptr(ptr.cast()).to_string_lossy().into_owned())
}

/// # Safety
/// `parser` is an initialized parser whose last parse failed.
unsafe fn error(parser: &unsafe_sys::yaml_parser_t) -> YamlError {
    let problem = text(parser.problem.cast()).unwrap_or_else(|| "invalid YAML".to_string());
    let mark = parser.problem_mark;
    YamlError {
        problem,
        line: mark.line as usize + 1,
        column: mark.column as usize + 1,
        context: text(parser.context.cast()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Result<Vec<Event>, YamlError> {
        let mut parser = Parser::new(text.as_bytes());
        let mut out = Vec::new();
        loop {
            match parser.next_event()? {
                Event::StreamEnd => return Ok(out),
                Event::Other => {}
                event => out.push(event),
            }
        }
    }

    #[test]
    fn scalars_carry_byte_positions_and_anchors() {
        let text = "\u{feff}é: &a 'x'\nb: *a\n";
        let got = events(text).unwrap();
        let Event::Scalar { start, end, .. } = &got[2] else {
            panic!("{got:?}");
        };
        assert_eq!(&text[*start..*end], "&a 'x'", "from the anchor");
        assert!(
            matches!(&got[2], Event::Scalar { anchor: Some(a), style: Style::SingleQuoted, .. } if a == "a")
        );
        assert_eq!(got[4], Event::Alias { anchor: "a".into() });
    }

    #[test]
    fn accepts_what_libyaml_accepts_and_says_where_it_stops() {
        // A flow sequence closed at its key's indentation (compose files do this).
        let ok = "a:\n  test: [\n    \"x\"\n  ]\n";
        assert!(events(ok).is_ok());
        let bad = events("a: [\nb: 1\n").unwrap_err();
        assert!(bad.line >= 2, "{bad}");
        assert!(bad.to_string().contains("line"), "{bad}");
    }
}
