//! A one-line progress counter on stderr for long batches, drawn only when
//! stderr is a terminal and never on stdout. Other stderr lines clear it
//! first, so messages never mix with it.

use std::io::{IsTerminal as _, Write as _};
use std::time::{Duration, Instant};

/// Batches with more references than this show progress.
const MIN_BATCH: usize = 4;
const REDRAW_EVERY: Duration = Duration::from_millis(80);

pub struct Progress {
    enabled: bool,
    drawn: bool,
    last: Option<Instant>,
}

impl Progress {
    pub fn new(total: usize) -> Self {
        Progress {
            enabled: total > MIN_BATCH && std::io::stderr().is_terminal(),
            drawn: false,
            last: None,
        }
    }

    /// Redraws `done/total`, at most every few frames' worth of time.
    pub fn update(&mut self, done: usize, total: usize) {
        if !self.enabled || done >= total {
            self.clear();
            return;
        }
        let now = Instant::now();
        if self.last.is_some_and(|t| now - t < REDRAW_EVERY) {
            return;
        }
        self.last = Some(now);
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2Kddigest: {done}/{total} resolved");
        let _ = err.flush();
        self.drawn = true;
    }

    /// Erases the line, before another message or at the end.
    pub fn clear(&mut self) {
        if self.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.drawn = false;
            self.last = None;
        }
    }
}
