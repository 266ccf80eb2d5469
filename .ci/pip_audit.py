"""pip-audit over requirements.txt (with every dependency it pulls in), for .ci/run.

Exit 1 when a pinned version has a known vulnerability (pip-audit grades none by severity: any known
one fails; an accepted one is listed in IGNORED with the reason). When the vulnerability service cannot
be reached, nothing was checked: this says so in plain words and exits 0, or 1 with
RAKOR_REQUIRE_PIP_AUDIT=1 (set it where the service is reachable). It never reports "no known
vulnerabilities" for packages it could not look up.

Why the service may be unreachable: pip-audit asks PyPI's JSON API for each pinned version
(https://pypi.org/pypi/<name>/<version>/json) or OSV (api.osv.dev). A machine that reaches PyPI
through a mirror of the package index only (the simple index and project pages, not the per-version
JSON) gets 404 there: every package is then "not found on PyPI", and OSV's host does not resolve.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Vulnerability ids accepted on purpose, each with its reason: {"GHSA-…": "why it does not apply"}.
IGNORED: dict[str, str] = {}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        cmd = [str(ROOT / ".venv/bin/pip-audit"), "-r", str(ROOT / "requirements.txt"), "--progress-spinner", "off",
               "-f", "json", "-o", str(out)]
        for vuln in IGNORED:
            cmd += ["--ignore-vuln", vuln]
        run = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        if not out.exists():
            print(run.stdout + run.stderr)
            print("pip-audit: did not run (see above)")
            return 1
        report = json.loads(out.read_text())
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    skipped = [d for d in deps if "skip_reason" in d]
    vulnerable = [(d, v) for d in audited for v in d.get("vulns", [])]
    print(f"pip-audit: {len(deps)} packages from requirements.txt and their dependencies; "
          f"{len(audited)} looked up, {len(skipped)} could not be")
    for dep, vuln in vulnerable:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
        print(f"  VULNERABLE {dep['name']}=={dep['version']}: {vuln['id']} (fixed in: {fixes})")
    for vuln, reason in IGNORED.items():
        print(f"  ignored {vuln}: {reason}")
    if vulnerable:
        return 1
    if deps and not audited:
        reasons = sorted({d["skip_reason"].split(":")[0] for d in skipped})
        print("pip-audit: NOT CHECKED: the vulnerability service could not be reached from this machine "
              f"({'; '.join(reasons)}). See .ci/pip_audit.py for why; set RAKOR_REQUIRE_PIP_AUDIT=1 to fail here.")
        return 1 if os.environ.get("RAKOR_REQUIRE_PIP_AUDIT") == "1" else 0
    for dep in skipped:
        print(f"  not looked up: {dep['name']}=={dep['version']}: {dep['skip_reason']}")
    print(f"pip-audit: no known vulnerability in the {len(audited)} packages looked up")
    return 0


if __name__ == "__main__":
    sys.exit(main())
