"""`make security`'s dependency audit: pip-audit over the installed environment, read honestly.

pip-audit asks a vulnerability service (PyPI's JSON API, or OSV) about every installed distribution.
Where that service cannot be reached (a mirror that serves packages but not the JSON API, no route to
OSV), pip-audit reports every dependency as "could not be audited" and still says "No known
vulnerabilities found". This wrapper tells the two apart:

- any known vulnerability: listed, exit 1 (fix by upgrading, or justify with `--ignore-vuln ID` here);
- nothing could be audited: a loud "NOT AUDITED" and exit 0, or exit 2 with YZS_REQUIRE_AUDIT=1
  (set it where the service is reachable, so a silent skip can never pass for a clean audit);
- otherwise: how many were audited, exit 0.

A second source covers part of what pip-audit could not reach: PyPI's project JSON
(`/pypi/<name>/json`, which mirrors that serve packages often still answer) lists the known
vulnerabilities of the project's *latest* release (PyPI takes them from the PyPA advisory database /
OSV). For a distribution installed at exactly that release the list is an audit of the installed
version; for an older one it says nothing (a vulnerability fixed before the latest release is not
listed), so such a distribution is named as not audited instead of passing silently.

Run: `python -m tests.security.audit_dependencies`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

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
    # An editable install is this project itself, not a dependency: nothing to look up.
    skipped = [d for d in dependencies if "skip_reason" in d and "editable" not in d["skip_reason"]]
    by_latest, not_audited = _audit_latest(skipped) if skipped else ([], [])
    vulnerable += [d for d in by_latest if d.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    if vulnerable:
        return 1
    if not audited and not by_latest:
        print(f"NOT AUDITED: pip-audit could not reach a vulnerability service for any of the "
              f"{len(dependencies)} installed distributions (the PyPI JSON API or OSV). Run `make security` "
              "where it is reachable; YZS_REQUIRE_AUDIT=1 makes this an error.")
        return 2 if os.environ.get("YZS_REQUIRE_AUDIT") == "1" else 0
    if audited:
        print(f"pip-audit: {len(audited)} distributions audited, no known vulnerabilities")
    if by_latest:
        print(f"PyPI project JSON: {len(by_latest)} distributions installed at their latest release audited, "
              "no known vulnerabilities")
    if not_audited:
        names = ", ".join(f"{d['name']} {d['version']} ({d['why']})" for d in not_audited)
        print(f"NOT AUDITED: {len(not_audited)} distribution(s): {names}. YZS_REQUIRE_AUDIT=1 makes this an error.")
        return 2 if os.environ.get("YZS_REQUIRE_AUDIT") == "1" else 0
    return 0


def _installed(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def _project(name: str) -> dict[str, Any] | None:
    url = f"https://pypi.org/pypi/{name}/json"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # nosec B310 - a fixed https URL
            data: dict[str, Any] = json.load(response)
            return data
    except (urllib.error.URLError, TimeoutError, json.JSONDecodeError):
        return None


def _audit_latest(skipped: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(audited with their vulns in pip-audit's shape, not audited with why) for what pip-audit skipped
    (its skipped entries carry no version: the installed one is read here, in the audited environment)."""
    skipped = [{**dep, "version": dep.get("version") or _installed(dep["name"])} for dep in skipped]
    with ThreadPoolExecutor(max_workers=8) as pool:
        projects = list(pool.map(lambda d: _project(d["name"]), skipped))
    audited, not_audited = [], []
    for dep, project in zip(skipped, projects, strict=True):
        if project is None:
            not_audited.append({**dep, "why": "not on PyPI or PyPI unreachable"})
        elif project["info"]["version"] != dep["version"]:
            not_audited.append({**dep, "why": f"older than the latest {project['info']['version']}"})
        else:
            vulns = [{"id": v.get("id"), "fix_versions": v.get("fixed_in") or []}
                     for v in project.get("vulnerabilities") or [] if not v.get("withdrawn")
                     and v.get("id") not in IGNORED and not set(v.get("aliases") or []) & set(IGNORED)]
            audited.append({**dep, "vulns": vulns})
    return audited, not_audited


if __name__ == "__main__":
    sys.exit(main())
