"""The checks of scripts/corpus-check, on ddigest's own output: run as
`python corpus_check.py DDIGEST DIR...` from the project's root."""

import json
import os
import re
import subprocess
import sys
import time

import hcl2
import yaml

CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens there
NOTE = re.compile(r"^ddigest: (?P<file>[^:]+):(?P<line>\d+): (?P<what>.*)$")
REFUSED = re.compile(r"^ddigest: (?P<file>.+?): cannot read: (?P<why>.*)$")


def run(binary, repo, args):
    env = dict(os.environ, HTTPS_PROXY=CLOSED, HTTP_PROXY=CLOSED, NO_PROXY="",
               DDIGEST_NO_CACHE="1")
    for key in ("https_proxy", "http_proxy", "no_proxy", "RUST_BACKTRACE"):
        env.pop(key, None)
    started = time.monotonic()
    out = subprocess.run([binary, *args, "--retries", "0"], cwd=repo, env=env,
                         capture_output=True, text=True, errors="replace")
    return out, time.monotonic() - started


def independent_reader_accepts(path):
    """Whether the reader that shares no code with ddigest reads the file;
    `None` for a template or a kind no reader is named for."""
    data = open(path, "rb").read()
    if b"{{" in data:
        return None
    name = os.path.basename(path).lower()
    try:
        if name.endswith((".yml", ".yaml")) or name == "kustomization":
            list(yaml.safe_load_all(data))
        elif name.endswith(".json"):
            json.loads(data)
        elif name.endswith((".tf", ".hcl")):
            hcl2.loads(data.decode("utf-8"))
        else:
            return None
    except Exception:
        return False
    return True


def note_holds(repo, file, line, what):
    """Whether line `line` of `file` holds what the note says: the text of
    a skipped reference (up to its first line break), `FROM` or `image:`
    for a file that yields nothing, the image of a failed lookup."""
    try:
        lines = open(os.path.join(repo, file), "rb").read().decode("utf-8", "replace")
    except OSError:
        return True
    if lines.startswith("\ufeff"):
        lines = lines[1:]
    lines = lines.splitlines()
    if not 1 <= line <= len(lines):
        return False
    text = lines[line - 1]
    if what.startswith("no reference pinned: a FROM line"):
        return "from" in text.lower()
    if what.startswith("no reference pinned: an image: key"):
        return "image:" in text.lower()
    said = what.split(": ", 1)[0]
    first = re.split(r"\\\n|\n|\\$", said)[0].rstrip("\\")
    if first in text:
        return True
    # A digest written apart (Helm's `digest: ""`) is said where it goes.
    if re.match(r"\s*digest:", text):
        return True
    # An image spelled in several keys (Helm's registry, repository and
    # tag; kustomize's newName and newTag) is said at one of them.
    name, _, tag = first.rpartition(":")
    if "/" in tag or not name:
        name, tag = first, ""
    parts = [tag, name.rsplit("/", 1)[-1]]
    if any(p and re.search(r"(^|[\s:'\"/])" + re.escape(p) + r"($|[\s'\"@#])", text) for p in parts):
        return True
    # A failed lookup names the image with its variables expanded.
    return "$" in text or "{{" in text or "<<" in text


def check_repo(binary, repo):
    figures = {"files": 0, "references": 0, "seconds": 0.0}
    breaches = []
    for args in (["pin", "--dry-run", "--format", "json"], ["check", "--format", "json"]):
        out, seconds = run(binary, repo, args)
        figures["seconds"] += seconds
        command = " ".join(args[:2])
        if out.returncode == 101 or "panicked" in out.stderr or "internal error" in out.stderr:
            breaches.append(f"{command}: a panic or an internal error:\n{out.stderr[-2000:]}")
        if args[0] == "pin":
            findings = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]
            figures["references"] = len(findings)
            figures["files"] = len({f["file"] for f in findings})
        for said in out.stderr.splitlines():
            refused = REFUSED.match(said)
            if refused:
                path = os.path.join(repo, refused["file"])
                if independent_reader_accepts(path):
                    breaches.append(f"{command}: refused a file its reader accepts: {said}")
                continue
            note = NOTE.match(said)
            if note and not note_holds(repo, note["file"], int(note["line"]), note["what"]):
                breaches.append(f"{command}: a note at a line that does not hold it: {said}")
    return figures, breaches


def main():
    binary, repos = sys.argv[1], sys.argv[2:]
    total = {"files": 0, "references": 0, "seconds": 0.0}
    failed = False
    for repo in repos:
        figures, breaches = check_repo(binary, repo)
        for key in total:
            total[key] += figures[key]
        name = os.path.basename(os.path.normpath(repo))
        print(f"{name}: {figures['files']} files with references, "
              f"{figures['references']} references, {figures['seconds']:.1f} s, "
              f"{len(breaches)} breaches")
        for breach in breaches:
            print(f"  {breach}")
        failed = failed or bool(breaches)
    print(f"total: {len(repos)} repositories, {total['files']} files with references, "
          f"{total['references']} references, {total['seconds']:.1f} s")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
