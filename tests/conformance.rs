//! Runs the conformance vectors kept in `tests/data/conformance` against the
//! pure modules: every case of the reference families ddigest implements,
//! the grammar pieces, go-digest's parse cases and the real manifests'
//! digests. Deliberate differences from upstream are listed in
//! `DELIBERATE` and asserted as ddigest's own behaviour.

use ddigest::digest::{Digest, DigestError};
use ddigest::reference::{grammar, AnyReference, Reference, ReferenceError};
use serde_json::Value;
use std::path::PathBuf;

/// The vectors, copied into the repository (each folder's README names
/// its upstream project, commit and licence).
fn conformance_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/conformance")
}

fn load(name: &str) -> Vec<Value> {
    let path = conformance_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {} ({e})", path.display()));
    serde_json::from_str(&text).expect("conformance file is JSON")
}

/// Inputs where ddigest chooses differently from distribution/reference.
/// sha512 digests: upstream's test binary registers only sha256, ddigest
/// accepts sha512 as the OCI image spec allows.
const DELIBERATE: &[(&str, &str)] = &[(
    "validname@sha512:",
    "accepted: ddigest supports sha512 digests",
)];

fn deliberate(input: &str) -> Option<&'static str> {
    DELIBERATE
        .iter()
        .find(|(prefix, _)| input.starts_with(prefix))
        .map(|(_, why)| *why)
}

fn sentinel(e: &ReferenceError) -> &'static str {
    match e {
        ReferenceError::NameEmpty => "ErrNameEmpty",
        ReferenceError::InvalidFormat(_) => "ErrReferenceInvalidFormat",
        ReferenceError::NameContainsUppercase => "ErrNameContainsUppercase",
        ReferenceError::NameTooLong(_) => "ErrNameTooLong",
        ReferenceError::NameNotCanonical => "ErrNameNotCanonical",
        ReferenceError::IdentifierAsName => "(identifier)",
        ReferenceError::Digest(d) => digest_sentinel(d),
    }
}

fn digest_sentinel(e: &DigestError) -> &'static str {
    match e {
        DigestError::InvalidFormat => "digest.ErrDigestInvalidFormat",
        DigestError::InvalidLength { .. } => "digest.ErrDigestInvalidLength",
        DigestError::Unsupported(_) => "digest.ErrDigestUnsupported",
    }
}

fn opt_str(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |s| Value::String(s.to_string()))
}

/// Compares the fields a case names with what the parser produced.
fn check_named(case: &Value, r: &Reference) -> Result<(), String> {
    let digest = r.digest().map(|d| d.to_string());
    let fields: [(&str, Value); 8] = [
        ("string", Value::String(r.to_string())),
        ("normalized", Value::String(r.to_string())),
        ("name", Value::String(r.name())),
        ("domain", Value::String(r.domain().to_string())),
        ("path", Value::String(r.path().to_string())),
        ("tag", opt_str(r.tag())),
        ("digest", opt_str(digest.as_deref())),
        ("familiar_name", Value::String(r.familiar_name())),
    ];
    for (key, got) in fields
        .iter()
        .chain([("familiar", Value::String(r.familiar_string()))].iter())
    {
        if let Some(want) = case.get(*key) {
            if want != got {
                return Err(format!("{key}: want {want}, got {got}"));
            }
        }
    }
    Ok(())
}

fn check_result(case: &Value, result: Result<Reference, ReferenceError>) -> Result<(), String> {
    let valid = case["valid"].as_bool().unwrap_or(false);
    match (valid, result) {
        (true, Ok(r)) => check_named(case, &r),
        (false, Err(e)) => match case.get("error").and_then(Value::as_str) {
            Some(want) if want != sentinel(&e) => Err(format!("error: want {want}, got {e:?}")),
            _ => Ok(()),
        },
        (true, Err(e)) => Err(format!("want valid, got {e:?}")),
        (false, Ok(r)) => Err(format!("want invalid, got {r}")),
    }
}

fn check_any(case: &Value) -> Result<(), String> {
    let input = case["input"].as_str().unwrap_or_default();
    match Reference::parse_any(input).map_err(|e| format!("{e:?}"))? {
        AnyReference::Digest(d) => {
            if case.get("digest_only") != Some(&Value::Bool(true)) {
                return Err(format!("unexpected digest-only result {d}"));
            }
            (case["digest"] == d.to_string() && case["normalized"] == d.to_string())
                .then_some(())
                .ok_or_else(|| format!("digest {d}"))
        }
        AnyReference::Named(r) => {
            check_named(case, &r)?;
            if case.get("equals_parse_of_normalized") == Some(&Value::Bool(true)) {
                let again = Reference::parse(&r.to_string()).map_err(|e| format!("{e:?}"))?;
                if again != r {
                    return Err(format!("Parse(normalized) differs: {again:?}"));
                }
            }
            Ok(())
        }
    }
}

fn captures(re: &regex::Regex, input: &str) -> Option<Vec<String>> {
    let caps = re.captures(input)?;
    Some(
        caps.iter()
            .skip(1)
            .map(|m| m.map_or(String::new(), |m| m.as_str().to_string()))
            .collect(),
    )
}

fn check_regexp(api: &str, case: &Value) -> Result<(), String> {
    let input = case["input"].as_str().unwrap_or_default();
    let re: &regex::Regex = match api {
        "regexp:domainAndPort" => &grammar::ANCHORED_DOMAIN,
        "regexp:anchoredNameRegexp" => &grammar::ANCHORED_NAME,
        "regexp:referenceRegexp" => &grammar::REFERENCE,
        "regexp:anchoredIdentifierRegexp" => &grammar::ANCHORED_IDENTIFIER,
        other => return Err(format!("unknown grammar piece {other}")),
    };
    let got = captures(re, input);
    if got.is_some() != case["valid"].as_bool().unwrap_or(false) {
        return Err(format!("match: got {got:?}"));
    }
    match (case.get("subs"), got) {
        (Some(want), Some(got)) if *want != serde_json::json!(got) => {
            Err(format!("subs: want {want}, got {got:?}"))
        }
        _ => Ok(()),
    }
}

/// Runs one case; `None` when its family is not one ddigest implements.
fn run_case(case: &Value) -> Option<Result<(), String>> {
    let api = case["api"].as_str().unwrap_or_default();
    let input = case["input"].as_str().unwrap_or_default();
    Some(match api {
        "Parse" | "Field.UnmarshalText" => check_result(case, Reference::parse(input)),
        "ParseNormalizedNamed" => check_result(case, Reference::parse_normalized(input)),
        "ParseDockerRef" => check_result(case, Reference::parse_docker_ref(input)),
        "ParseNamed" => check_result(case, Reference::parse_named(input)),
        "WithName" => check_result(case, Reference::with_name(input)),
        "ParseAnyReference" => check_any(case),
        a if a.starts_with("regexp:") => check_regexp(a, case),
        _ => return None,
    })
}

#[test]
fn reference_vectors() {
    let cases = load("reference/reference.json");
    let (mut run, mut passed, mut failures) = (0, 0, Vec::new());
    for case in &cases {
        let input = case["input"].as_str().unwrap_or_default();
        let Some(outcome) = run_case(case) else {
            continue;
        };
        run += 1;
        match (outcome, deliberate(input)) {
            (Ok(()), _) => passed += 1,
            (Err(_), Some(why)) => {
                eprintln!("deliberate difference for {input:.40}…: {why}");
                passed += 1;
            }
            (Err(why), None) => failures.push(format!("{} {input:?}: {why}", case["api"])),
        }
    }
    eprintln!(
        "reference conformance: {passed}/{run} cases pass ({} in the file)",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(run >= 300, "only {run} cases ran: is the file complete?");
}

#[test]
fn deliberate_differences_behave_as_documented() {
    let sha512 = format!("validname@sha512:{}", "f".repeat(128));
    let r = Reference::parse(&sha512).expect("sha512 digests are accepted");
    assert_eq!(
        r.digest().map(|d| d.to_string()),
        Some(format!("sha512:{}", "f".repeat(128)))
    );
}

#[test]
fn digest_vectors() {
    let supported = ["sha256", "sha512"];
    let (mut run, mut skipped) = (0, 0);
    for case in load("digest/digest.json") {
        if case["api"] != "Parse" {
            continue;
        }
        let input = case["input"].as_str().unwrap_or_default();
        let algorithm = input.split(':').next().unwrap_or_default();
        let result = Digest::parse(input);
        if case["valid"] == true && !supported.contains(&algorithm) {
            // sha384 and blake3 are registered upstream; ddigest does not hash them.
            assert!(
                matches!(result, Err(DigestError::Unsupported(_))),
                "{input}: {result:?}"
            );
            skipped += 1;
            continue;
        }
        run += 1;
        match (case["valid"].as_bool().unwrap_or(false), result) {
            (true, Ok(d)) => assert_eq!(case["string"], d.to_string(), "{input}"),
            (false, Err(e)) => assert_eq!(case["error"], digest_sentinel(&e), "{input}"),
            (valid, got) => panic!("{input:?}: want valid={valid}, got {got:?}"),
        }
    }
    eprintln!("digest conformance: {run} parse cases pass, {skipped} use algorithms ddigest does not support");
    assert!(run >= 15);
}

#[test]
fn manifest_files_hash_to_their_digests() {
    let dir = conformance_dir().join("manifests");
    let index = load("manifests/index.json");
    for entry in &index {
        let file = entry["file"].as_str().expect("file");
        let bytes = std::fs::read(dir.join(file)).expect("manifest file");
        assert_eq!(
            Digest::sha256_of(&bytes).to_string(),
            entry["digest"],
            "{file}"
        );
        assert_eq!(
            bytes.len() as u64,
            entry["size"].as_u64().unwrap_or(0),
            "{file}"
        );
    }
    assert_eq!(index.len(), 17);
}

#[test]
fn every_invalid_reference_exits_2_saying_why() {
    let inputs: Vec<String> = load("reference/reference.json")
        .iter()
        .filter(|c| c["api"] == "ParseNormalizedNamed" && c["valid"] == false)
        .filter_map(|c| c["input"].as_str().map(str::to_string))
        .collect();
    assert!(inputs.len() >= 20, "{} invalid cases", inputs.len());
    let mut args = vec!["--format", "json", "--"];
    args.extend(inputs.iter().map(String::as_str));
    let run = crate::util::Ddigest::new().run(&args);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), inputs.len());
    let stderr: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(stderr.len(), inputs.len(), "{}", run.stderr);
    for ((input, line), said) in inputs.iter().zip(&lines).zip(&stderr) {
        assert_eq!(line["input"], input.trim());
        assert_eq!(line["error"]["code"], "invalid_reference", "{input}");
        let message = line["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.len() > "invalid reference format".len() + 5,
            "{input:?} gets no reason: {message}"
        );
        assert_eq!(*said, format!("ddigest: {}: {message}", input.trim()));
    }
}
