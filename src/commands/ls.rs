//! `ddigest ls REF`: one list, index or image, every entry as a table or
//! JSON; with `--referrers`, what refers to it.

use crate::cli::{ListFormat, LsArgs};
use crate::console::{say, Stdout};
use crate::exit::{ErrorCode, Exit};
use crate::output;
use crate::resolve;

/// `ddigest ls REF`
pub async fn run(args: LsArgs) -> Exit {
    let input = args.reference.trim().to_string();
    match list_one(&args, &input).await {
        Ok(text) => {
            let mut out = Stdout::default();
            for line in text.lines() {
                out.line(line);
            }
            if out.failed {
                Exit::Failed
            } else {
                Exit::Resolved
            }
        }
        Err((code, message)) => {
            say(&input, &message);
            code.exit()
        }
    }
}

/// The listing as text, or why not: its error code and words.
async fn list_one(args: &LsArgs, input: &str) -> Result<String, (ErrorCode, String)> {
    let (reference, client) = super::one_reference(input, &args.transport)?;
    if args.referrers {
        let filter = args.artifact_type.as_deref();
        let found = crate::referrers::list(&client, &reference, filter)
            .await
            .map_err(|e| (e.code(), e.to_string()))?;
        return Ok(match args.format {
            ListFormat::Table => output::referrers_table(&found),
            ListFormat::Json => {
                output::referrers_json(input, &reference.qualified_string(), &found)
            }
        });
    }
    let listing = resolve::list(&client, &reference, args.verify.on)
        .await
        .map_err(|e| (e.code(), e.to_string()))?;
    for warning in &listing.top.warnings {
        say(input, &format!("warning: {warning}"));
    }
    Ok(match args.format {
        ListFormat::Table => output::listing_table(&listing),
        ListFormat::Json => output::listing_json(input, &reference, &listing),
    })
}
