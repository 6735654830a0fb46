#!/usr/bin/env python3
"""Render nginx's site file for RectoPlan (``deploy/nginx/rectoplan.conf.in``) and print it.

One template serves the hospital and the test suite: docs/deployment.md tells an administrator
to run this, and ``tests/deployment`` runs it for its loopback cluster, so the failover
settings that are tested are the ones that are deployed.

    scripts/nginx-site.py --server-name rectoplan.hospital.example \\
        --upstream 127.0.0.1:8001 --upstream 127.0.0.1:8002 \\
        --certificate /etc/ssl/certs/rectoplan.pem \\
        --certificate-key /etc/ssl/private/rectoplan.key > /etc/nginx/conf.d/rectoplan.conf

Standard library only, so it runs with the system Python on the proxy host.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1] / "deploy" / "nginx" / "rectoplan.conf.in"
FAIL_TIMEOUT_S = 10
"""How long nginx leaves out an instance after a failed connection (its passive check): also
how long a restarted instance may wait before nginx sends it traffic again."""


def render(
    *,
    server_name: str,
    upstreams: list[str],
    certificate: str,
    certificate_key: str,
    https_port: int = 443,
    http_port: int = 80,
    listen_address: str | None = None,
    log_dir: str = "/var/log/nginx",
    fail_timeout_s: int = FAIL_TIMEOUT_S,
) -> str:
    """The site file with every ``@PLACEHOLDER@`` filled; refuses one left unfilled."""
    if not upstreams:
        raise ValueError("give at least one --upstream HOST:PORT")
    prefix = f"{listen_address}:" if listen_address else ""
    servers = "\n".join(
        f"    server {address} max_fails=1 fail_timeout={fail_timeout_s}s;" for address in upstreams
    )
    values = {
        "UPSTREAM_SERVERS": servers,
        "SERVER_NAME": server_name,
        "HTTP_LISTEN": f"{prefix}{http_port}",
        "HTTPS_LISTEN": f"{prefix}{https_port}",
        "HTTPS_PORT_SUFFIX": "" if https_port == 443 else f":{https_port}",
        "CERTIFICATE": certificate,
        "CERTIFICATE_KEY": certificate_key,
        "LOG_DIR": log_dir,
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    left = sorted(set(re.findall(r"@([A-Z_]+)@", text)))
    if left:
        raise ValueError(f"the template has placeholders this script does not fill: {left}")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server-name", required=True, help="the site's DNS name")
    parser.add_argument(
        "--upstream",
        action="append",
        required=True,
        metavar="HOST:PORT",
        help="a `rectoplan serve` instance (repeat for each)",
    )
    parser.add_argument("--certificate", required=True, help="PEM certificate (full chain)")
    parser.add_argument("--certificate-key", required=True, help="its private key")
    parser.add_argument("--https-port", type=int, default=443)
    parser.add_argument("--http-port", type=int, default=80)
    parser.add_argument("--listen-address", help="listen on this address only (default: all)")
    parser.add_argument("--log-dir", default="/var/log/nginx")
    parser.add_argument(
        "--fail-timeout",
        type=int,
        default=FAIL_TIMEOUT_S,
        metavar="SECONDS",
        help="how long an instance that failed is left out (default %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        text = render(
            server_name=args.server_name,
            upstreams=args.upstream,
            certificate=args.certificate,
            certificate_key=args.certificate_key,
            https_port=args.https_port,
            http_port=args.http_port,
            listen_address=args.listen_address,
            log_dir=args.log_dir,
            fail_timeout_s=args.fail_timeout,
        )
    except ValueError as exc:
        print(f"nginx-site: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
