#!/usr/bin/env python3
"""Runs SOM's own IntegrationTests (from a SOM-st/SOM checkout you fetched) against our
`som` with SOM's core library on the class path, and prints pass/fail per test and the
totals. Each test file starts with a comment giving `status:` (success, error or a
number) and `stdout:` lines, where `...` matches any lines.

usage: scripts/som-integration-tests.py <SOM-checkout> [som-binary] [--verbose]
"""
import os
import re
import subprocess
import sys


def expectation(source):
    m = re.match(r'\s*"(.*?)"', source, re.S)
    header = m.group(1) if m else ""
    if "VM:" not in header:
        return None
    status = re.search(r"status:\s*(\S+)", header)
    stdout = re.search(r"stdout:(.*?)(?:\n\s*(?:stderr|custom_classpath|status):|\Z)", header, re.S)
    lines = [l.strip() for l in stdout.group(1).split("\n")] if stdout else []
    classpath = re.search(r"custom_classpath:\s*(\S+)", header)
    return {
        "status": status.group(1) if status else "success",
        "stdout": [l for l in lines if l],
        "classpath": classpath.group(1) if classpath else None,
    }


def matches(pattern, lines):
    if not pattern:
        return True
    if pattern[0] == "...":
        return any(matches(pattern[1:], lines[i:]) for i in range(len(lines) + 1))
    return bool(lines) and pattern[0] == lines[0] and matches(pattern[1:], lines[1:])


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    verbose = "--verbose" in sys.argv
    if not args:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    som_dir = args[0]
    som = args[1] if len(args) > 1 else os.path.join(os.path.dirname(__file__), "../target/release/som")
    tests = os.path.join(som_dir, "IntegrationTests", "Tests")
    passed, failed = 0, []
    for name in sorted(os.listdir(tests)):
        if not name.endswith(".som"):
            continue
        path = os.path.join(tests, name)
        exp = expectation(open(path).read())
        if exp is None:
            continue
        cp = os.path.join(som_dir, "Smalltalk") + ":" + tests
        if exp["classpath"]:
            # Paths in the header are relative to a checkout nested in core-lib/.
            cp = ":".join(os.path.join(som_dir, p.replace("./core-lib/", "")) for p in exp["classpath"].split(":"))
        try:
            r = subprocess.run([som, "-cp", cp, path], capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            failed.append((name, "timed out"))
            continue
        out = [l.strip() for l in r.stdout.split("\n") if l.strip()]
        want = exp["status"]
        status_ok = (r.returncode == 0 if want == "success" else
                     r.returncode not in (0,) if want == "error" else str(r.returncode) == want)
        if status_ok and r.returncode >= 0 and matches(exp["stdout"], out):
            passed += 1
            if verbose:
                print("pass", name)
        else:
            failed.append((name, f"status {r.returncode} (want {want}); stdout {out[:6]} (want {exp['stdout'][:6]})"))
    for name, why in failed:
        print("FAIL", name, why)
    print(f"passed {passed}, failed {len(failed)}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
