//! libyaml's events built into trees: mappings, sequences, scalars with
//! the byte offset of their first character, and aliases resolved to the
//! anchor defined before them (each definition its own id). Pure.

use super::events::{Event, Parser, Style, YamlError};
use std::collections::HashMap;

/// What an alias to an unknown anchor stands for.
pub static UNKNOWN: Node = Node::Other;

#[derive(Clone, Debug)]
pub enum Node {
    Scalar {
        value: String,
        style: Style,
        /// Byte offset of the scalar's first character (a quote or block
        /// indicator, if any).
        at: usize,
        /// Byte offset just past its last character (a closing quote).
        end: usize,
    },
    Map(Vec<(Node, Node)>),
    Seq(Vec<Node>),
    Alias(usize),
    Other,
}

pub type Parsed = (Vec<Node>, HashMap<usize, Node>);

/// The documents of a YAML stream as trees, and the anchored nodes by id.
pub fn parse(text: &str) -> Result<Parsed, YamlError> {
    let mut tree = Tree {
        text,
        parser: Parser::new(text.as_bytes()),
        anchors: HashMap::new(),
        names: HashMap::new(),
    };
    let mut documents = Vec::new();
    loop {
        match tree.parser.next_event()? {
            Event::StreamEnd => return Ok((documents, tree.anchors)),
            Event::Other => {}
            event => documents.push(tree.node(event, 0)?),
        }
    }
}

/// Where a node's own characters start: libyaml's event begins at its
/// anchor (`&name`) or tag (`!tag`), which are passed over with the blanks
/// and comments after them.
fn past_properties(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    while matches!(bytes.get(at), Some(b'&' | b'!')) {
        while bytes.get(at).is_some_and(|b| !b.is_ascii_whitespace()) {
            at += 1;
        }
        loop {
            match bytes.get(at) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => at += 1,
                Some(b'#') => {
                    while bytes.get(at).is_some_and(|&b| b != b'\n') {
                        at += 1;
                    }
                }
                _ => break,
            }
        }
    }
    at
}

/// Nesting deeper than this is not a file ddigest edits.
const MAX_DEPTH: usize = 256;

/// Builds nodes from events. An anchor name may be defined again later;
/// each definition gets its own id, and an alias names the one before it.
struct Tree<'a> {
    text: &'a str,
    parser: Parser<'a>,
    anchors: HashMap<usize, Node>,
    names: HashMap<String, usize>,
}

impl Tree<'_> {
    fn node(&mut self, event: Event, depth: usize) -> Result<Node, YamlError> {
        if depth > MAX_DEPTH {
            return Err(YamlError {
                problem: "nested too deep".into(),
                line: 0,
                column: 0,
                context: None,
            });
        }
        let (built, anchor) = match event {
            Event::Scalar {
                value,
                style,
                anchor,
                start,
                end,
            } => (
                Node::Scalar {
                    value,
                    style,
                    at: past_properties(self.text, start),
                    end,
                },
                anchor,
            ),
            Event::Alias { anchor } => {
                let id = self.names.get(&anchor).copied().unwrap_or(usize::MAX);
                (Node::Alias(id), None)
            }
            Event::SequenceStart { anchor } => {
                let mut items = Vec::new();
                loop {
                    match self.parser.next_event()? {
                        Event::SequenceEnd => break,
                        event => items.push(self.node(event, depth + 1)?),
                    }
                }
                (Node::Seq(items), anchor)
            }
            Event::MappingStart { anchor } => {
                let mut pairs = Vec::new();
                loop {
                    let key = match self.parser.next_event()? {
                        Event::MappingEnd => break,
                        event => self.node(event, depth + 1)?,
                    };
                    let event = self.parser.next_event()?;
                    pairs.push((key, self.node(event, depth + 1)?));
                }
                (Node::Map(pairs), anchor)
            }
            _ => (Node::Other, None),
        };
        if let Some(name) = anchor {
            let id = self.anchors.len();
            self.names.insert(name, id);
            self.anchors.insert(id, built.clone());
        }
        Ok(built)
    }
}
