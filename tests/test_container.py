"""The container's files keep their promises: a lock file that covers every dependency with
hashes, installed in its own layer before the code, a non-root user, a HEALTHCHECK, and a
compose file without secrets. (Building the image itself needs a Docker daemon.)"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"


def locked() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) from requirements.lock."""
    pins: dict[str, tuple[str, int]] = {}
    text = LOCK.read_text(encoding="utf-8")
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9._-]+)==([^\s\\]+)", block)
        if match:
            name = canonicalize_name(match.group(1))
            pins[name] = (match.group(2), block.count("--hash=sha256:"))
    return pins


def test_the_lock_file_pins_every_dependency_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = locked()
    assert pins and all(hashes > 0 for _, hashes in pins.values())
    wanted = [Requirement(r) for r in project["project"]["dependencies"]]
    wanted += [Requirement(r) for r in project["build-system"]["requires"]]
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: refresh it (README)"
        version = pins[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.lock has {name}=={version}, pyproject.toml asks {requirement}"
        )


def test_the_dockerfile_installs_the_lock_before_the_code_and_runs_as_a_user() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    text = "\n".join(lines)

    def first(pattern: str) -> int:
        return next(i for i, line in enumerate(lines) if re.search(pattern, line))

    install_lock = first(r"pip install --require-hashes .*-r requirements\.lock")
    assert first(r"^COPY requirements\.lock") < install_lock < first(r"^COPY bot")
    assert re.search(r"pip install --no-deps .*-e \.", text)
    user = first(r"^USER ")
    assert lines[user].split()[1] not in ("root", "0")
    assert user < first(r"^ENTRYPOINT")
    assert re.search(r'HEALTHCHECK .*\n?.*CMD \["python", "-m", "bot", "health"\]', text)


def test_compose_has_a_volume_a_restart_policy_tls_and_no_secrets() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    bot = compose["services"]["bot"]
    assert bot["restart"] in ("unless-stopped", "always")
    assert any(volume.endswith(":/data") for volume in bot["volumes"])
    assert bot["env_file"] and "ports" not in bot  # reached through the proxy only
    for service in compose["services"].values():
        environment = service.get("environment", {})
        for key in ("TELEGRAM_BOT_TOKEN", "BOT_WEBHOOK_SECRET"):
            assert key not in environment
    caddy = compose["services"]["caddy"]
    assert "443:443" in caddy["ports"] and caddy["restart"] == "unless-stopped"
    mounted = [v.split(":")[0] for v in caddy["volumes"] if v.startswith("./")]
    caddyfile = (ROOT / mounted[0]).read_text(encoding="utf-8")
    assert "reverse_proxy bot:8443" in caddyfile and "{$BOT_WEBHOOK_PATH}" in caddyfile


def test_the_web_chat_in_compose_checks_its_own_health() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    web = compose["services"]["web"]
    assert web["command"] == ["web"] and web["restart"] == "unless-stopped"
    assert web["healthcheck"]["test"] == ["CMD", "python", "-m", "bot", "health", "--web"]
    assert all(port.startswith("127.0.0.1:") for port in web["ports"])  # behind a proxy
    assert any(volume.endswith(":/data") for volume in web["volumes"])
