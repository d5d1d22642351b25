//! Shell completions and the man page, both generated from the clap
//! definition in `cli`, so they never disagree with `--help`.

use crate::cli::Cli;
use clap::CommandFactory as _;
use std::io::Write;

/// Writes the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell, out: &mut impl Write) {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "ddigest", out);
}

/// Writes the man page: the command with its options, and a section per
/// subcommand.
pub fn man_page(out: &mut impl Write) -> std::io::Result<()> {
    let command = Cli::command();
    let man = clap_mangen::Man::new(command.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        writeln!(out, ".SH \"ddigest {name}\"")?;
        let page = clap_mangen::Man::new(sub.clone().name(format!("ddigest {name}")));
        let mut section = Vec::new();
        page.render_synopsis_section(&mut section)?;
        page.render_description_section(&mut section)?;
        page.render_options_section(&mut section)?;
        // The subcommand's own headings sit under its section.
        let text = String::from_utf8_lossy(&section).replace("\n.SH ", "\n.SS ");
        out.write_all(text.replacen(".SH ", ".SS ", 1).as_bytes())?;
    }
    man.render_subcommands_section(out)?;
    man.render_version_section(out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_know_the_subcommands_and_flags() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
            clap_complete::Shell::PowerShell,
        ] {
            let mut out = Vec::new();
            completions(shell, &mut out);
            let text = String::from_utf8(out).unwrap();
            for word in ["pin", "check", "platform", "require-pins"] {
                assert!(text.contains(word), "{shell:?} completions lack {word}");
            }
        }
    }

    #[test]
    fn the_man_page_is_roff_with_every_subcommand() {
        let mut out = Vec::new();
        man_page(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with(".ie") || text.contains(".TH ddigest"),
            "{}",
            &text[..200]
        );
        for section in [
            "ddigest pin",
            "ddigest check",
            "ddigest ls",
            "\\-\\-password\\-stdin",
        ] {
            assert!(text.contains(section), "man page lacks {section}");
        }
    }
}
