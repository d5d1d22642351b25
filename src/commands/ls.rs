//! `ddigest ls REF`: one list, index or image, every entry as a table or
//! JSON.

use crate::cli::{ListFormat, LsArgs};
use crate::console::{say, Stdout};
use crate::exit::Exit;
use crate::output;
use crate::reference::Reference;
use crate::resolve;
use crate::session::client;

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
        Err(err) => {
            say(&input, &crate::registry::report::message(&err));
            Exit::of_error(&err)
        }
    }
}

async fn list_one(args: &LsArgs, input: &str) -> anyhow::Result<String> {
    let reference = Reference::parse_normalized(input)?;
    let client = client(&args.transport)?;
    let listing = resolve::list(&client, &reference, args.verify.on).await?;
    for warning in &listing.top.warnings {
        say(input, &format!("warning: {warning}"));
    }
    Ok(match args.format {
        ListFormat::Table => output::listing_table(&listing),
        ListFormat::Json => output::listing_json(input, &reference, &listing),
    })
}
