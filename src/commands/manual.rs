//! `ddigest completions SHELL` and `ddigest man`: the completion script or
//! the man page on stdout (a closed pipe is no failure).

use crate::console::say;
use crate::exit::Exit;
use crate::manual;

/// `ddigest completions SHELL`
pub fn completions(shell: clap_complete::Shell) -> Exit {
    manual::completions(shell, &mut std::io::stdout());
    Exit::Resolved
}

/// `ddigest man`
pub fn man() -> Exit {
    match manual::man_page(&mut std::io::stdout()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            say("man", &format!("cannot write the man page: {e}"));
            Exit::Failed
        }
        _ => Exit::Resolved,
    }
}
