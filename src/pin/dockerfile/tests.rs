use super::*;

fn images(text: &str) -> Vec<(usize, String, String)> {
    let found = scan(text);
    for site in &found.sites {
        assert_eq!(&text[site.span.clone()], site.text, "span of {site:?}");
    }
    found
        .sites
        .into_iter()
        .map(|s| (s.line, s.text, s.image))
        .collect()
}

fn skips(text: &str) -> Vec<(usize, String)> {
    scan(text)
        .skips
        .into_iter()
        .map(|s| (s.line, s.reason))
        .collect()
}

fn site(line: usize, text: &str, image: &str) -> (usize, String, String) {
    (line, text.to_string(), image.to_string())
}

#[test]
fn multi_stage_builds_skip_stages_and_scratch() {
    let text = "# syntax=docker/dockerfile:1\n\
        FROM --platform=$BUILDPLATFORM golang:1.22 AS Build\n\
        RUN go build\n\
        from   build as test\n\
        FROM scratch\n\
        COPY --from=build /app /app\n\
        COPY --from=0 /x /x\n\
        COPY --link --from=nginx:1.25 /etc/nginx /etc/nginx\n";
    assert_eq!(
        images(text),
        [
            site(1, "docker/dockerfile:1", "docker/dockerfile:1"),
            site(2, "golang:1.22", "golang:1.22"),
            site(8, "nginx:1.25", "nginx:1.25")
        ]
    );
    let skipped = skips(text);
    assert_eq!(skipped[0], (4, "build is an earlier build stage".into()));
    assert_eq!(skipped[1], (5, "scratch is no image".into()));
}

#[test]
fn continuations_comments_and_crlf() {
    let text = "FROM \\\r\n  # a comment inside\r\n\r\n  node:14.7.0 \\\r\n  AS base\r\nRUN echo \\\r\n FROM fake:1\r\n";
    assert_eq!(images(text), [site(4, "node:14.7.0", "node:14.7.0")]);
}

#[test]
fn escape_directive_changes_the_continuation() {
    let text = "# escape=`\nFROM `\n  mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir c:\\\nFROM alpine\n";
    let found = images(text);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].0, 3);
    assert_eq!(found[1].1, "alpine");
}

#[test]
fn heredoc_bodies_are_not_instructions() {
    let text = "FROM alpine:3\nRUN <<EOF\nFROM evil:1\nEOF\nCOPY <<-'END' /x\n\tFROM evil:2\n\tEND\nFROM debian:12\n";
    let found = images(text);
    let names: Vec<&str> = found.iter().map(|s| s.1.as_str()).collect();
    assert_eq!(names, ["alpine:3", "debian:12"]);
}

#[test]
fn variables_expand_from_global_arg_defaults() {
    let text = "ARG REGISTRY=ghcr.io\n\
        ARG VERSION=\"14.7.0\"\n\
        ARG BASE=${REGISTRY}/org/base:1\n\
        ARG IMAGE='node:16'\n\
        ARG TAG\n\
        FROM ${REGISTRY:-docker.io}/org/app:$VERSION\n\
        FROM $IMAGE\n\
        FROM ${IMAGE}\n\
        FROM $BASE\n\
        FROM node:$TAG\n\
        FROM node:${MISSING}\n\
        ARG LATE=1\n\
        FROM node:$LATE\n";
    assert_eq!(
        images(text),
        [
            site(4, "node:16", "node:16"),
            site(
                6,
                "${REGISTRY:-docker.io}/org/app:$VERSION",
                "ghcr.io/org/app:14.7.0"
            ),
            site(9, "$BASE", "ghcr.io/org/base:1"),
        ]
    );
    let reasons: Vec<(usize, String)> = skips(text);
    assert_eq!(
        reasons,
        [
            (10, "ARG TAG has no default".to_string()),
            (11, "$MISSING is not a global ARG".to_string()),
            (13, "$LATE is not a global ARG".to_string()),
        ]
    );
}

#[test]
fn substitutions() {
    let set = |name: &str| match name {
        "A" => Ok("a".to_string()),
        "EMPTY" => Ok(String::new()),
        _ => Err(format!("${name} unset")),
    };
    assert_eq!(expand("x${A}y$A-$", &set).unwrap(), "xaya-$");
    assert_eq!(
        expand("${EMPTY:-d}${NOPE:-e}${A:+p}${NOPE:+q}", &set).unwrap(),
        "dep"
    );
    assert!(expand("${A", &set).is_err());
    assert!(expand("${A#x}", &set).is_err());
    assert_eq!(expand("$NOPE", &set).unwrap_err(), "$NOPE unset");
}

#[test]
fn quotes_are_removed_as_buildkit_removes_them() {
    let set = |name: &str| match name {
        "A" => Ok("a".to_string()),
        _ => Err(format!("${name} unset")),
    };
    assert_eq!(
        expand("${REF:-\"gcr.io/x/y:tag\"}", &set).unwrap(),
        "gcr.io/x/y:tag"
    );
    assert_eq!(expand("'$A'\"$A\"x", &set).unwrap(), "$Aax");
    assert_eq!(expand("${NOPE:-${A}}", &set).unwrap(), "a");
    assert!(expand("\"open", &set).is_err());
}

#[test]
fn a_self_referring_arg_default_takes_the_digest() {
    // Seen in real projects: the build may override REF, the default is
    // the image.
    let text = "ARG REF=${REF:-\"gcr.io/distroless/static:nonroot\"}\n\
        ARG GO=${GO-golang:1.22}\n\
        FROM ${GO} AS build\n\
        FROM ${REF}\n";
    assert_eq!(
        images(text),
        [
            site(
                1,
                "gcr.io/distroless/static:nonroot",
                "gcr.io/distroless/static:nonroot"
            ),
            site(2, "golang:1.22", "golang:1.22"),
        ]
    );
}

#[test]
fn syntax_directive_only_at_the_top() {
    let text = "# syntax = docker/dockerfile:1.7\n# escape=\\\nFROM alpine:3\n";
    let found = images(text);
    assert_eq!(
        found[0],
        site(1, "docker/dockerfile:1.7", "docker/dockerfile:1.7")
    );
    assert_eq!(found.len(), 2);
    // After a comment, a blank line or an instruction it is a comment.
    for text in [
        "# a comment\n# syntax=docker/dockerfile:1\nFROM alpine:3\n",
        "\n# syntax=docker/dockerfile:1\nFROM alpine:3\n",
        "FROM alpine:3\n# syntax=docker/dockerfile:1\n",
    ] {
        let names: Vec<String> = images(text).into_iter().map(|s| s.1).collect();
        assert_eq!(names, ["alpine:3"], "{text:?}");
    }
}

#[test]
fn run_mount_from_an_image_not_a_stage() {
    let text = "FROM golang:1.22 AS build\nRUN --mount=type=cache,target=/root/.cache --mount=type=bind,from=build,target=/src \\\n    --mount=type=bind,from=alpine,source=/etc,target=/x make\nRUN --mount=from=ghcr.io/org/tools:2,target=/t true\nRUN --mount=type=bind,from=$IMG,target=/y true\n";
    let found = images(text);
    let names: Vec<(usize, String)> = found.into_iter().map(|s| (s.0, s.1)).collect();
    let want = [
        (1, "golang:1.22"),
        (3, "alpine"),
        (4, "ghcr.io/org/tools:2"),
    ];
    let want: Vec<(usize, String)> = want.iter().map(|(l, s)| (*l, s.to_string())).collect();
    assert_eq!(names, want);
    assert_eq!(skips(text).len(), 1);
}
