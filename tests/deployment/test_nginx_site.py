"""The nginx site file a hospital deploys is the one the cluster test runs: rendered by
``scripts/nginx-site.py`` from ``deploy/nginx/rectoplan.conf.in``, and described faithfully by
docs/deployment.md. These checks need no nginx; the cluster tests check the behaviour.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "nginx-site.py"
DOC = (ROOT / "docs" / "deployment.md").read_text()
PRODUCTION = [
    "--server-name", "rectoplan.hospital.example",
    "--upstream", "127.0.0.1:8001", "--upstream", "127.0.0.1:8002",
    "--certificate", "/etc/ssl/certs/rectoplan.pem",
    "--certificate-key", "/etc/ssl/private/rectoplan.key",
]  # fmt: skip


def render(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )


def directive(config: str, name: str) -> str:
    found = re.findall(rf"^\s*{name}\s+([^;]+);", config, flags=re.MULTILINE)
    assert len(found) == 1, (name, found)
    return found[0]


def test_the_documented_command_renders_the_documented_site():
    site = render(*PRODUCTION)
    assert site.returncode == 0, site.stderr
    config = site.stdout
    assert "@" not in re.sub(r"#.*", "", config)  # every placeholder filled
    assert re.findall(r"server (\S+) max_fails=1 fail_timeout=10s;", config) == [
        "127.0.0.1:8001",
        "127.0.0.1:8002",
    ]
    # the failover the document promises: connection errors and timeouts, never a sent POST
    assert directive(config, "proxy_next_upstream") == "error timeout"
    assert "non_idempotent" not in directive(config, "proxy_next_upstream")
    assert "`proxy_next_upstream error timeout` with at most 2 tries" in DOC
    assert directive(config, "proxy_next_upstream_tries") == "2"
    assert "keepalive" not in re.sub(r"#.*", "", config)
    # TLS on 443 with HSTS as documented; port 80 only redirects, without a port in the URL
    assert "listen 443 ssl" in config
    hsts = re.search(r'Strict-Transport-Security "([^"]+)"', config).group(1)
    assert f"Strict-Transport-Security: {hsts}" in DOC
    assert "return 301 https://$host$request_uri;" in config
    assert directive(config, "proxy_set_header X-Forwarded-For") == "$remote_addr"
    # the command in the document is this one, for the template in the repository
    assert "scripts/nginx-site.py --server-name rectoplan.hospital.example" in DOC
    assert "deploy/nginx/rectoplan.conf.in" in DOC


def test_the_script_refuses_a_site_without_instances():
    without = [a for a in PRODUCTION if a != "--upstream" and not a.startswith("127.")]
    answer = render(*without)
    assert answer.returncode == 2
    assert "--upstream" in answer.stderr
