#!/usr/bin/env python3
"""`make deploy-check` (also in .ci/run): the shipped deploy/ files are valid as they stand.

- systemd units: `systemd-analyze verify` (unknown keys, bad values, missing programs) on a copy whose
  /srv/rakor paths point at this checkout, and `systemd-analyze security --offline` (exposure score);
- nginx: `nginx -t` on deploy/nginx with this machine's ports and paths (deploy/rehearsal/stack.py);
- PgBouncer: the shipped pgbouncer.ini starts (the rehearsal's own instance) — run by `make rehearsal`;
- the container entrypoint parses (`sh -n`), compose.yaml parses and names only files that exist;
- deploy/env.example documents every variable rakor/settings.py reads.

Prints one line per check and exits 1 when any failed.
"""

from __future__ import annotations

from pathlib import Path
import re
import shutil
import subprocess
import sys
import tempfile

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE / "rehearsal"))
sys.path.insert(0, str(HERE))

failures: list[str] = []


def result(name: str, ok: bool, detail: str) -> None:
    print(f"{'PASS' if ok else 'FAIL'}  {name} — {detail}", flush=True)
    if not ok:
        failures.append(name)


def check_units(tmp: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        result("systemd units verify", False, "systemd-analyze not installed (apt-get install systemd)")
        return
    venv_bin = Path(sys.executable).parent
    units = sorted((HERE / "systemd").iterdir())
    names = []
    for unit in units:
        text = unit.read_text().replace("/srv/rakor/venv/bin", str(venv_bin)).replace("/srv/rakor/app", str(REPO))
        (tmp / unit.name).write_text(text)
        names.append(unit.name)
    # A template unit is verified through an instance of it.
    targets = [str(tmp / n) for n in names if not n.endswith("@.service")]
    for template in (n for n in names if n.endswith("@.service")):
        instance = tmp / template.replace("@.service", "@email.service")
        instance.symlink_to(tmp / template)
        targets.append(str(instance))
    done = subprocess.run([analyze, "verify", *targets], capture_output=True, text=True)
    output = (done.stdout + done.stderr).strip()
    result("systemd units: systemd-analyze verify", done.returncode == 0 and not output,
           f"{len(targets)} units clean" if done.returncode == 0 and not output else output[:600])
    scores = []
    for target in targets:
        if not target.endswith(".service"):
            continue
        done = subprocess.run([analyze, "security", "--offline=yes", target], capture_output=True, text=True)
        match = re.search(r"Overall exposure level for \S+: ([\d.]+) (\w+)", done.stdout + done.stderr)
        scores.append((Path(target).name, float(match.group(1)) if match else 99.0, match.group(2) if match else "?"))
    result("systemd units: hardening (systemd-analyze security --offline)", all(s <= 2.0 for _, s, _ in scores),
           ", ".join(f"{n} {s} {w}" for n, s, w in scores))


def check_nginx(tmp: Path) -> None:
    from selfsigned import write_selfsigned
    from stack import Config, Stack, StackError

    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        result("nginx -t on deploy/nginx", False, "nginx not installed (apt-get install nginx)")
        return
    stack = Stack(Config(), tmp)
    static = tmp / "static"
    static.mkdir()
    cert, key = write_selfsigned(tmp / "tls", ["rakor.rehearsal.test"])
    try:
        folder = stack.nginx_config(static, cert, key)
    except StackError as error:
        result("nginx -t on deploy/nginx", False, str(error))
        return
    done = subprocess.run([binary, "-t", "-p", str(folder), "-c", str(folder / "nginx.conf"),
                           "-e", str(folder / "logs" / "error.log")], capture_output=True, text=True)
    result("nginx -t on deploy/nginx (this machine's ports and paths)", done.returncode == 0,
           first(done.stderr) if done.returncode else "syntax ok, test successful")


def check_entrypoint() -> None:
    done = subprocess.run(["sh", "-n", str(HERE / "entrypoint.sh")], capture_output=True, text=True)
    result("container entrypoint: sh -n deploy/entrypoint.sh", done.returncode == 0, first(done.stderr) or "parses")


def check_compose() -> None:
    import yaml

    data = yaml.safe_load((HERE / "compose.yaml").read_text())
    missing = []
    for name, service in data["services"].items():
        build = service.get("build")
        if isinstance(build, dict):
            context = (HERE / build.get("context", ".")).resolve()
            dockerfile = context / build.get("dockerfile", "Dockerfile")
            if not dockerfile.exists():
                missing.append(f"{name}: {dockerfile}")
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                if not (HERE / source).exists():
                    missing.append(f"{name}: {source}")
    wanted = {"web1", "web2", "worker", "beat", "db", "pgbouncer", "redis", "minio", "nginx"}
    lacking = wanted - set(data["services"])
    result("compose.yaml: parses, every service of the design, every file it names exists",
           not missing and not lacking, f"{len(data['services'])} services"
           + (f"; missing files {missing}" if missing else "") + (f"; missing services {sorted(lacking)}" if lacking else ""))


def check_env_documented() -> None:
    settings = (REPO / "rakor" / "settings.py").read_text()
    read = set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]+)\"", settings))
    documented = set()
    for line in (HERE / "env.example").read_text().splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]+)=", line)
        if match:
            documented.add(match.group(1))
    missing = sorted(read - documented)
    result("deploy/env.example documents every variable rakor/settings.py reads", not missing,
           f"{len(read)} variables" + (f"; undocumented: {', '.join(missing)}" if missing else ""))


def first(text: str) -> str:
    lines = [x for x in (text or "").strip().splitlines() if x.strip()]
    return lines[-1] if lines else ""


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="rakor-deploy-check-") as name:
        tmp = Path(name)
        (tmp / "units").mkdir()
        check_units(tmp / "units")
        (tmp / "nginx-root").mkdir()
        check_nginx(tmp / "nginx-root")
    check_entrypoint()
    check_compose()
    check_env_documented()
    if failures:
        print(f"deploy-check: {len(failures)} failed")
        return 1
    print("deploy-check: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
