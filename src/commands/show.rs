//! `ddigest manifest REF` and `ddigest config REF`: the exact bytes behind
//! a reference on stdout — pretty-printed JSON on a terminal (`--raw` keeps
//! the bytes), the bytes as they are in a pipe, so `ddigest manifest REF |
//! sha256sum` prints the hex of `ddigest REF`. Nothing on stdout for a
//! failure, said as `ddigest: REF: …` with its exit code.

use crate::cli::ShowArgs;
use crate::console::{say, Stdout};
use crate::exit::{ErrorCode, Exit};
use crate::resolve::{show, ResolveError};
use std::io::IsTerminal as _;

/// What to show of the reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    Manifest,
    Config,
}

/// `ddigest manifest REF` or `ddigest config REF`
pub async fn run(args: ShowArgs, what: What) -> Exit {
    let input = args.reference.trim().to_string();
    let bytes = match fetch(&args, &input, what).await {
        Ok(bytes) => bytes,
        Err((code, message)) => {
            say(&input, &message);
            return code.exit();
        }
    };
    let pretty = !args.raw && std::io::stdout().is_terminal();
    let shown = if pretty { pretty_json(&bytes) } else { None };
    let mut out = Stdout::default();
    out.bytes(shown.as_deref().unwrap_or(&bytes));
    if out.failed {
        Exit::Failed
    } else {
        Exit::Resolved
    }
}

async fn fetch(args: &ShowArgs, input: &str, what: What) -> Result<Vec<u8>, (ErrorCode, String)> {
    let (reference, client) = super::one_reference(input, &args.transport)?;
    let platform = args.platform.as_ref();
    let fetched: Result<Vec<u8>, ResolveError> = match what {
        What::Manifest => show::manifest(&client, &reference, platform)
            .await
            .map(|f| f.bytes),
        What::Config => show::config(&client, &reference, platform).await,
    };
    fetched.map_err(|e| (e.code(), e.to_string()))
}

/// JSON indented for a person, keys in their order, with a final line
/// break; `None` when the bytes are not JSON (then they are shown as they are).
fn pretty_json(bytes: &[u8]) -> Option<Vec<u8>> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let mut out = serde_json::to_vec_pretty(&value).ok()?;
    out.push(b'\n');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_keeps_key_order() {
        let pretty = pretty_json(br#"{"schemaVersion":2,"mediaType":"x","a":[1]}"#).unwrap();
        let text = String::from_utf8(pretty).unwrap();
        assert_eq!(
            text,
            "{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"x\",\n  \"a\": [\n    1\n  ]\n}\n"
        );
        assert_eq!(pretty_json(b"not json"), None);
    }
}
