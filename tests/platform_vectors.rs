//! containerd's own platform tests, ported as data
//! (`tests/data/conformance/platforms/platforms.json`, see its README):
//! `Parse`, `FormatAll`, `normalizeArch`/`normalizeOS`, the strict
//! matcher (`OnlyStrict`), the order among matching entries
//! (`TestCompareOSFeatures`, `Test_PlatformOrder`) and Windows version
//! compatibility. The deliberate differences are asserted as ddigest's own
//! behaviour: a lone OS or architecture, which containerd completes from
//! the host it runs on, is refused.

use ddigest::platform::{normalize_arch, windows_compatible, windows_version, Platform};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/conformance/platforms/platforms.json"
    );
    let text = std::fs::read_to_string(path).expect("platform vectors");
    serde_json::from_str(&text).expect("platform vectors are JSON")
}

fn cases<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v[key].as_array().map(Vec::as_slice).unwrap_or_default()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

/// A Go `specs.Platform` literal from the vectors.
fn go_platform(v: &Value) -> Platform {
    let features: Vec<String> = v["OSFeatures"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let variant = Some(s(v, "Variant")).filter(|v| !v.is_empty());
    Platform::new(s(v, "OS"), s(v, "Architecture"), variant)
        .with_os(Some(s(v, "OSVersion")), &features)
}

fn parse(text: &str) -> Platform {
    Platform::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn host(v: &str) -> &str {
    match v {
        "$defaultOS" => "linux",
        "$defaultArch" => "amd64",
        "$defaultVariant" => "",
        other => other,
    }
}

/// containerd's default OS and architecture stand in for the host's:
/// ddigest refuses a lone OS or architecture, so such a case is run again
/// with the missing half written out (`linux`, `amd64`).
fn fill_host(case: &Value) -> (String, Value, String) {
    let input = s(case, "input");
    let mut expected = case["expected"].clone();
    for key in ["OS", "Architecture", "Variant"] {
        if let Some(v) = expected[key].as_str() {
            expected[key] = Value::from(host(v));
        }
    }
    let formatted = match case["formatted"].as_str() {
        Some(f) => f.to_string(),
        None => {
            let parts = case["formatted_join"].as_array().into_iter().flatten();
            let parts: Vec<&str> = parts
                .map(|p| host(p.as_str().unwrap_or_default()))
                .collect();
            parts
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("/")
        }
    };
    let input = if input.contains('/') {
        input.to_string()
    } else if s(&case["expected"], "OS") == "$defaultOS" {
        format!("linux/{input}")
    } else {
        format!("{input}/amd64")
    };
    (input, expected, formatted)
}

#[test]
fn parse_selector_and_invalid_inputs() {
    let v = vectors();
    let (mut passed, mut filled) = (0, 0);
    for case in cases(&v, "parse") {
        let original = s(case, "input");
        if case["valid"] == false || case["skip"] == true {
            let got = Platform::parse(original);
            assert!(got.is_err(), "{original:?} must be refused: {got:?}");
            passed += 1;
            continue;
        }
        if !original.contains('/') {
            assert!(
                Platform::parse(original).is_err(),
                "{original:?}: lone part refused"
            );
            filled += 1;
        }
        let (input, expected, formatted) = fill_host(case);
        let got = parse(&input);
        let expected = go_platform(&expected);
        assert_eq!(got, expected, "{input}");
        assert!(got.matches(&expected), "{input} matches its own parse");
        for other in case["matches"].as_array().into_iter().flatten() {
            assert!(got.matches(&go_platform(other)), "{input} ~ {other}");
        }
        assert_eq!(got.to_string(), formatted, "{input}");
        assert_eq!(
            parse(&formatted).to_string(),
            formatted,
            "{input} round trip"
        );
        passed += 1;
    }
    eprintln!(
        "containerd Parse: {passed} cases pass, {filled} of them with the host's half written out"
    );
    assert_eq!(passed, cases(&v, "parse").len());
}

#[test]
fn format_all_escapes_and_round_trips() {
    let v = vectors();
    for case in cases(&v, "format_all") {
        let platform = go_platform(&case["platform"]);
        let want = s(case, "expected");
        assert_eq!(platform.to_string(), want);
        let back = parse(want);
        assert_eq!(back.os_version, platform.os_version, "{want}");
        let kept: Vec<String> = platform
            .os_features
            .iter()
            .filter(|f| !f.is_empty())
            .cloned()
            .collect();
        assert_eq!(back.os_features, kept, "{want}");
    }
    assert_eq!(cases(&v, "format_all").len(), 10);
}

#[test]
fn normalize_table() {
    let v = vectors();
    for case in cases(&v, "normalize_arch") {
        let (arch, variant) = (s(case, "architecture"), s(case, "variant"));
        let want = (
            s(case, "want_architecture").to_string(),
            s(case, "want_variant").to_string(),
        );
        assert_eq!(normalize_arch(arch, variant), want, "{arch}/{variant}");
    }
    for case in cases(&v, "normalize_os") {
        let p = Platform::new(s(case, "os"), "amd64", None).normalized();
        assert_eq!(p.os, s(case, "want"));
    }
    assert!(cases(&v, "normalize_arch").len() >= 40);
}

#[test]
fn only_strict_matches() {
    let v = vectors();
    let mut checked = 0;
    for case in cases(&v, "only_strict") {
        let wanted = parse(s(case, "platform"));
        for (key, want) in [("match", true), ("no_match", false)] {
            for other in case[key].as_array().into_iter().flatten() {
                let other = other.as_str().unwrap_or_default();
                assert_eq!(wanted.matches(&parse(other)), want, "{wanted} ~ {other}");
                checked += 1;
            }
        }
    }
    eprintln!("containerd OnlyStrict: {checked} pairs pass");
    assert_eq!(cases(&v, "only_strict").len(), 13);
}

/// The matching platforms of `list`, in the order ddigest prefers them.
fn preferred(wanted: &Platform, list: Vec<Platform>) -> Vec<Platform> {
    let mut matching: Vec<Platform> = list.into_iter().filter(|p| wanted.matches(p)).collect();
    matching.sort_by(|a, b| wanted.preference(a, b));
    matching
}

#[test]
fn order_among_matches() {
    let v = vectors();
    for case in cases(&v, "compare_os_features") {
        let wanted = parse(s(case, "platform"));
        let list = |key: &str| -> Vec<Platform> {
            let items = case[key].as_array().into_iter().flatten();
            items
                .map(|p| parse(p.as_str().unwrap_or_default()))
                .collect()
        };
        let expected: Vec<Platform> = preferred(&wanted, list("expected"));
        // containerd sorts every entry; ddigest only chooses among matches,
        // which must come out in containerd's order.
        let want: Vec<Platform> = list("expected")
            .into_iter()
            .filter(|p| wanted.matches(p))
            .collect();
        assert_eq!(preferred(&wanted, list("platforms")), want, "{wanted}");
        assert_eq!(expected, want, "{wanted}");
    }
    for case in cases(&v, "windows_order") {
        let host = go_platform(&case["host"]);
        let list = case["platforms"].as_array().into_iter().flatten();
        let first = preferred(&host, list.map(go_platform).collect());
        assert_eq!(
            first.first(),
            Some(&go_platform(&case["want"])),
            "{}",
            case["name"]
        );
    }
    for case in cases(&v, "fallback_on_os_version") {
        let wanted = go_platform(&case["platform"]);
        assert!(wanted.matches(&go_platform(&case["matches"])));
    }
}

#[test]
fn windows_host_and_image_compatibility() {
    let v = vectors();
    for case in cases(&v, "windows_compat") {
        let (host, image) = (s(case, "host"), s(case, "container"));
        let want = case["should_run"] == true;
        let got = windows_compatible(windows_version(host), windows_version(image));
        assert_eq!(got, want, "host {host}, image {image}");
        let wanted = parse(&format!("windows({host})/amd64"));
        let entry = Platform::new("windows", "amd64", None).with_os(Some(image), &[]);
        assert_eq!(wanted.matches(&entry), want, "host {host}, image {image}");
    }
    assert_eq!(cases(&v, "windows_compat").len(), 12);
}
