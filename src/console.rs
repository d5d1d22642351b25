//! What ddigest writes: results to stdout, line by line and flushed (a
//! closed pipe ends the writing quietly), and every diagnostic to stderr as
//! `ddigest: <subject>: <message>`, written here only. A leaf: it imports
//! nothing of the crate.

use std::io::Write as _;

/// `text` cut to at most `max` characters, with `…` when cut.
pub fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// An error and its causes on one line, joined by `: `, a cause that only
/// repeats the words before it left out.
pub fn words(err: &dyn std::error::Error) -> String {
    let causes = std::iter::successors(Some(err), |e| e.source());
    join_words(causes.map(|c| c.to_string()))
}

/// Parts of a message joined by `: `, each part that only repeats the end
/// of the one before it left out.
pub fn join_words(parts: impl IntoIterator<Item = String>) -> String {
    let mut kept: Vec<String> = Vec::new();
    for part in parts {
        if kept.last().is_none_or(|last| !last.ends_with(&part)) {
            kept.push(part);
        }
    }
    kept.join(": ")
}

/// Says `message` about `subject` (a reference, `FILE:LINE`, a flag) on
/// stderr: `ddigest: <subject>: <message>`.
/// A path as messages and annotations show it: with `/` between its parts
/// on every system (GitHub's annotations want them so on Windows too).
pub fn path_shown(path: &std::path::Path) -> String {
    let text = path.display().to_string();
    if cfg!(windows) {
        text.replace('\\', "/")
    } else {
        text
    }
}

pub fn say(subject: &str, message: &str) {
    eprintln!("ddigest: {subject}: {message}");
}

/// Says something that concerns the whole run: `ddigest: <message>`.
pub fn say_run(message: &str) {
    eprintln!("ddigest: {message}");
}

/// stdout, line by line and flushed; a closed pipe (`| head -1`) ends the
/// writing quietly, any other write error is said once.
#[derive(Default)]
pub struct Stdout {
    closed: bool,
    pub failed: bool,
}

impl Stdout {
    pub fn line(&mut self, line: &str) {
        self.text(&format!("{line}\n"));
    }

    /// Writes `text` as it is (a diff: several lines, each with its ending).
    pub fn text(&mut self, text: &str) {
        self.bytes(text.as_bytes());
    }

    /// Writes bytes as they are (a diff of a file that is not all UTF-8).
    pub fn bytes(&mut self, bytes: &[u8]) {
        if self.closed {
            return;
        }
        let mut out = std::io::stdout().lock();
        if let Err(e) = out.write_all(bytes).and_then(|_| out.flush()) {
            self.closed = true;
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                say_run(&format!("cannot write to stdout: {e}"));
                self.failed = true;
            }
        }
    }
}
