//! Panics turned into one line of words: a hook that prints no backtrace
//! but keeps what panicked and where, `guard` that runs one unit of work
//! (a file of `pin` or `check`) and turns its panic into an internal error
//! naming that unit, so the other units are still done, and `message` for
//! a panic caught at the top of the binary.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};

thread_local! {
    /// The last panic's message and place, set by the hook.
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs the quiet hook: panics are said by whoever catches them.
/// `RUST_BACKTRACE` set to anything but `0` keeps Rust's own report too.
pub fn install_hook() {
    let verbose = std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0");
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let what = payload_text(info.payload());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        LAST.with(|last| *last.borrow_mut() = Some(format!("{what}{place}")));
        if verbose {
            default(info);
        }
    }));
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic".to_string()
    }
}

/// What the last panic said, for a message; taken, so it is said once.
pub fn message(payload: &(dyn std::any::Any + Send)) -> String {
    LAST.with(|last| last.borrow_mut().take())
        .unwrap_or_else(|| payload_text(payload))
}

/// Runs `work`; a panic in it is said as `ddigest: SUBJECT: internal error:
/// …` and gives `None`.
pub fn guard<T>(subject: &str, work: impl FnOnce() -> T) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(value) => Some(value),
        Err(payload) => {
            let what = message(payload.as_ref());
            crate::console::say(
                subject,
                &format!("internal error: {what}; this file was left as it was (please report it)"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_caught_and_the_rest_goes_on() {
        let text = "# ℹ️ x";
        let caught = guard("f", || &text[..4] == "# ℹ");
        assert_eq!(caught, None);
        assert_eq!(guard("g", || 1 + 1), Some(2));
    }
}
