#!/usr/bin/env python3
"""Runs SOM's own IntegrationTests (from a SOM-st/SOM checkout you fetched) against our
`som` with SOM's core library on the class path, and prints pass/fail per test and the
totals. Each test file starts with a comment giving `status:` (success, error or a
number), `stdout:` lines (a line `...` matches any lines, `...` inside a line matches
any text there) and optionally `custom_classpath:`. Tests in subfolders (`Tests/x/test.som`
with its helper classes beside it) count by their path, as SOM's own runner names them.

The tests expect to run from a folder whose `core-lib/` is the SOM checkout (their
custom class paths and `loadFile:` paths start with `./core-lib/`); the script makes
such a folder (a temporary one holding a `core-lib` symbolic link) and runs from it.
Stdout must match in order; stderr is not compared (error wording differs between VMs).

usage: scripts/som-integration-tests.py <SOM-checkout> [som-binary] [--verbose]
"""
import os
import re
import subprocess
import sys
import tempfile


def expectation(source):
    m = re.match(r'\s*"(.*?)"', source, re.S)
    header = m.group(1) if m else ""
    if "VM:" not in header:
        return None
    status = re.search(r"status:\s*(\S+)", header)
    stdout = re.search(r"stdout:(.*?)(?:\n\s*(?:stderr|custom_classpath|status|case_sensitive):|\Z)",
                       header, re.S)
    lines = [l.strip() for l in stdout.group(1).split("\n")] if stdout else []
    classpath = re.search(r"custom_classpath:\s*(\S+)", header)
    return {
        "status": status.group(1) if status else "success",
        "stdout": [l for l in lines if l],
        "classpath": classpath.group(1) if classpath else None,
    }


def line_matches(pattern, line):
    if "..." not in pattern:
        return pattern == line
    pos = 0
    for piece in pattern.split("..."):
        found = line.find(piece, pos)
        if found < 0:
            return False
        pos = found + len(piece)
    return True


def matches(pattern, lines):
    if not pattern:
        return not lines
    if pattern[0] == "...":
        return any(matches(pattern[1:], lines[i:]) for i in range(len(lines) + 1))
    return bool(lines) and line_matches(pattern[0], lines[0]) and matches(pattern[1:], lines[1:])


def discover(tests):
    """Every .som file with a `VM:` header under `tests`, as paths relative to it."""
    found = []
    for root, dirs, files in os.walk(tests):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".som"):
                rel = os.path.relpath(os.path.join(root, name), tests)
                exp = expectation(open(os.path.join(root, name)).read())
                if exp is not None:
                    found.append((rel, exp))
    return found


def run_one(som, rel, exp):
    path = os.path.join("core-lib", "IntegrationTests", "Tests", rel)
    cp = exp["classpath"] or "./core-lib/Smalltalk"
    try:
        r = subprocess.run([som, "-cp", cp, path], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "timed out"
    out = [l.strip() for l in r.stdout.split("\n") if l.strip()]
    want = exp["status"]
    status_ok = (r.returncode == 0 if want == "success" else
                 r.returncode > 0 if want == "error" else str(r.returncode) == want)
    pattern = exp["stdout"]
    # An expectation is the output's start unless it ends in `...`: SOM's runner
    # tolerates trailing lines, so do we.
    if status_ok and r.returncode >= 0 and matches(pattern + ["..."], out):
        return None
    return f"status {r.returncode} (want {want}); stdout {out[:6]} (want {pattern[:6]})"


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    verbose = "--verbose" in sys.argv
    if not args:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    som_dir = os.path.abspath(args[0])
    som = os.path.abspath(args[1] if len(args) > 1 else
                          os.path.join(os.path.dirname(__file__), "../target/release/som"))
    tests = os.path.join(som_dir, "IntegrationTests", "Tests")
    if not os.path.isdir(tests):
        print(f"som-integration-tests: {tests}: not a folder (give a SOM checkout)", file=sys.stderr)
        sys.exit(2)
    passed, failed = 0, []
    with tempfile.TemporaryDirectory(prefix="som-it-") as base:
        os.symlink(som_dir, os.path.join(base, "core-lib"))
        os.chdir(base)
        for rel, exp in discover(tests):
            why = run_one(som, rel, exp)
            if why is None:
                passed += 1
                if verbose:
                    print("pass", rel)
            else:
                failed.append((rel, why))
    for name, why in failed:
        print("FAIL", name, why)
    print(f"passed {passed}, failed {len(failed)}, total {passed + len(failed)}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
