use super::*;

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("ddigest").chain(args.iter().copied()))
}

#[test]
fn parses_flags() {
    let cli = parse(&["--verify", "--timeout", "2.5", "node", "-", "redis"]).unwrap();
    assert!(cli.resolve.verify.on);
    assert_eq!(cli.transport.timeout, Duration::from_millis(2500));
    assert_eq!(cli.references, ["node", "-", "redis"]);
    assert_eq!(cli.resolve.jobs.n, DEFAULT_JOBS);
    assert!(cli.command.is_none());
}

#[test]
fn platforms_repeat_or_come_as_a_list() {
    let cli = parse(&[
        "--platform",
        "linux/amd64,linux/arm64",
        "--platform=linux/arm/v7",
        "node",
    ])
    .unwrap();
    let names: Vec<String> = cli.resolve.platform.iter().map(|p| p.to_string()).collect();
    assert_eq!(names, ["linux/amd64", "linux/arm64", "linux/arm/v7"]);
    assert!(parse(&["--platform", "linux", "node"]).is_err());
    let long = format!("linux/{} x", "a".repeat(300));
    let err = parse(&["--platform", &long, "node"])
        .err()
        .unwrap()
        .to_string();
    assert_eq!(err.matches("linux/a").count(), 1, "{err}");
    assert!(
        err.len() < 300 && err.contains("…") && err.contains("a part is not"),
        "{err}"
    );
}

#[test]
fn ls_is_a_subcommand() {
    let cli = parse(&["ls", "--format", "json", "node"]).unwrap();
    let Some(Command::Ls(ls)) = cli.command else {
        panic!("not ls");
    };
    assert_eq!(ls.reference, "node");
    assert_eq!(ls.format, ListFormat::Json);
    assert!(parse(&["ls"]).is_err());
}

#[test]
fn pin_and_check_take_paths_and_their_flags() {
    let cli = parse(&["pin", "--update", "--dry-run", "a", "b/Dockerfile"]).unwrap();
    let Some(Command::Pin(pin)) = cli.command else {
        panic!("not pin");
    };
    assert!(pin.update && pin.dry_run);
    assert_eq!(
        pin.files.paths,
        [PathBuf::from("a"), PathBuf::from("b/Dockerfile")]
    );
    let cli = parse(&["check", "--require-pins", "-j", "4"]).unwrap();
    let Some(Command::Check(check)) = cli.command else {
        panic!("not check");
    };
    assert!(check.require_pins && check.files.paths.is_empty());
    assert_eq!(check.files.jobs.n, 4);
    assert!(parse(&["check", "--update"]).is_err());
}

#[test]
fn credentials_on_the_command_line() {
    let cli = parse(&["--creds", "bob:pa:ss", "node"]).unwrap();
    let creds = cli.transport.creds.clone().unwrap();
    let password = creds.password.as_ref().map(Secret::expose);
    assert_eq!((creds.username.as_str(), password), ("bob", Some("pa:ss")));
    assert!(
        !format!("{cli:?}").contains("pa:ss"),
        "Debug redacts the password"
    );
    let ask = parse(&["--creds", "bob", "node"]).unwrap().transport.creds;
    assert_eq!(ask.unwrap().password, None, "to be asked for");
    assert!(parse(&["--creds", "bob:", "node"]).is_err());
    assert!(parse(&["--creds", ":pw", "node"]).is_err());
    assert!(
        parse(&["--username", "bob", "node"]).is_err(),
        "needs --password-stdin"
    );
    assert!(
        parse(&["--password-stdin", "node"]).is_err(),
        "needs --username"
    );
    assert!(parse(&["--creds", "a:b", "--username", "c", "--password-stdin", "n"]).is_err());
    let cli = parse(&["ls", "--username", "bob", "--password-stdin", "node"]).unwrap();
    assert!(matches!(cli.command, Some(Command::Ls(ls)) if ls.transport.password_stdin));
}

#[test]
fn rejects_bad_values() {
    assert!(parse(&["--timeout", "0", "node"]).is_err());
    assert!(parse(&["--timeout", "soon", "node"]).is_err());
    assert!(parse(&["--jobs", "0", "node"]).is_err());
    assert!(parse(&["--with-ref", "--no-ref", "node"]).is_err());
    assert!(parse(&["--format", "yaml", "node"]).is_err());
    assert!(parse(&[]).is_err());
}
