"""`make security`'s dependency audit: pip-audit over the installed environment, read honestly.

pip-audit asks a vulnerability service (PyPI's JSON API, or OSV) about every installed distribution.
Where that service cannot be reached (a mirror that serves packages but not the JSON API, no route to
OSV), pip-audit reports every dependency as "could not be audited" and still says "No known
vulnerabilities found". This wrapper tells the two apart:

- any known vulnerability: listed, exit 1 (fix by upgrading, or justify with `--ignore-vuln ID` here);
- nothing could be audited: a loud "NOT AUDITED" and exit 0, or exit 2 with YZS_REQUIRE_AUDIT=1
  (set it where the service is reachable, so a silent skip can never pass for a clean audit);
- otherwise: how many were audited, exit 0.

Run: `python -m tests.security.audit_dependencies`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

IGNORED: dict[str, str] = {}  # vulnerability id -> why it does not apply here


def main() -> int:
    pip_audit = Path(sys.executable).parent / "pip-audit"
    args = [str(pip_audit), "--format", "json", "--progress-spinner", "off", "--skip-editable"]
    for vuln in IGNORED:
        args += ["--ignore-vuln", vuln]
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    try:
        report = json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        print(result.stdout, result.stderr, sep="\n")
        return 1
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    if vulnerable:
        return 1
    if not audited:
        print(f"NOT AUDITED: pip-audit could not reach a vulnerability service for any of the "
              f"{len(dependencies)} installed distributions (the PyPI JSON API or OSV). Run `make security` "
              "where it is reachable; YZS_REQUIRE_AUDIT=1 makes this an error.")
        return 2 if os.environ.get("YZS_REQUIRE_AUDIT") == "1" else 0
    skipped = len(dependencies) - len(audited)
    print(f"pip-audit: {len(audited)} distributions audited, no known vulnerabilities"
          + (f" ({skipped} could not be audited)" if skipped else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
