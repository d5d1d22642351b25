use super::*;

fn p(s: &str) -> Platform {
    Platform::parse(s).unwrap()
}

#[test]
fn parses_and_prints() {
    assert_eq!(p("linux/arm/v7"), Platform::new("linux", "arm", Some("v7")));
    assert_eq!(p("linux/amd64").to_string(), "linux/amd64");
    assert_eq!(p("Linux/X86_64").to_string(), "linux/amd64");
    assert_eq!(p("linux/arm").to_string(), "linux/arm");
    assert_eq!(p("linux/arm64/8").to_string(), "linux/arm64/v8");
    for bad in ["linux", "linux/", "/amd64", "a/b/c/d", "", "linux//v7"] {
        assert!(Platform::parse(bad).is_err(), "{bad}");
    }
    for bad in [" linux/arm64", "linux/arm64 ", "lin.ux/amd64", "linux /arm"] {
        assert!(Platform::parse(bad).is_err(), "{bad:?}");
    }
    assert!(matches!(
        Platform::parse("linux/amd 64"),
        Err(PlatformError::Characters)
    ));
    assert!(matches!(
        Platform::parse("linux/*"),
        Err(PlatformError::Wildcard)
    ));
}

#[test]
fn reads_os_version_and_features() {
    let w = p("windows(10.0.17763+win32k)/amd64");
    assert_eq!(w.os_version.as_deref(), Some("10.0.17763"));
    assert_eq!(w.os_features, vec!["win32k".to_string()]);
    assert_eq!(w.to_string(), "windows(10.0.17763+win32k)/amd64");
    assert_eq!(p("windows()/amd64").to_string(), "windows/amd64");
    for bad in [
        "linux(+)/amd64",
        "linux(a))/amd64",
        "linux(%zz)/amd64",
        "linux(a/amd64",
    ] {
        assert!(Platform::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn variants_normalize_as_containerds_table_says() {
    let cases = [
        ("linux/arm64/9", "linux/arm64/v9"),
        ("linux/arm64/9.0", "linux/arm64/v9"),
        ("linux/arm64/v9.0", "linux/arm64/v9"),
        ("linux/arm64/v8.0", "linux/arm64"),
        ("linux/arm64/v8.2", "linux/arm64/v8.2"),
        ("linux/amd64/v1", "linux/amd64"),
        ("linux/amd64/3", "linux/amd64/3"),
        ("linux/arm/5", "linux/arm/v5"),
        ("macos/arm64", "darwin/arm64"),
    ];
    for (input, want) in cases {
        assert_eq!(p(input).normalized().to_string(), want, "{input}");
    }
}

#[test]
fn features_must_be_asked_for() {
    let gpu = Platform::new("linux", "amd64", None).with_os(None, &["gpu".into()]);
    assert!(!p("linux/amd64").matches(&gpu));
    assert!(p("linux(+gpu+simd)/amd64").matches(&gpu));
    assert!(p("linux(+gpu)/amd64").matches(&p("linux/amd64")));
}

#[test]
fn windows_versions_and_win32k() {
    let image =
        |v: &str| Platform::new("windows", "amd64", None).with_os(Some(v), &["win32k".to_string()]);
    assert!(p("windows/amd64").matches(&image("10.0.17763.5458")));
    assert!(p("windows(10.0.17763)/amd64").matches(&image("10.0.17763.5458")));
    assert!(!p("windows(10.0.17763)/amd64").matches(&image("10.0.20348.2113")));
    assert!(p("windows(10.0.26100)/amd64").matches(&image("10.0.20348.2113")));
    let wanted = p("windows(10.0.26100)/amd64");
    assert_eq!(
        wanted.preference(&image("10.0.26100.1"), &image("10.0.20348.9")),
        std::cmp::Ordering::Less
    );
}

#[test]
fn unknown_is_attestation_shaped() {
    assert!(Platform::new("unknown", "unknown", None).is_unknown());
    assert!(!p("linux/amd64").is_unknown());
}
