"""Two ``rectoplan serve`` instances on one PostgreSQL database behind Debian's nginx, on
loopback, as docs/deployment.md deploys them.

nginx's site file is rendered by ``scripts/nginx-site.py`` from the template the deployment
document uses (TLS with a throwaway self-signed certificate, HSTS, the failover settings); only
the frame around it (pid file, logs, temp paths in a temp dir, so no root-only path is needed)
is the test's own. The instances are started as a hospital would start them: same signing key,
same database, ``RECTOPLAN_SECURE_COOKIES=1``, the schema migrated and the first admin created
once, before either starts.

nginx comes from Debian (``scripts/system-packages.sh test`` installs it, with openssl for the
certificate). Without them the tests skip locally and fail on CI, like the browser tests.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from cluster_support import CLINICIAN, PASSWORD

from rectoplan.registry import users
from rectoplan.registry.db import make_engine, session_factory, transaction
from rectoplan.registry.users import Role
from rectoplan.web.bootstrap import prepare
from rectoplan.web.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SITE_SCRIPT = ROOT / "scripts" / "nginx-site.py"
SECRET = "cluster-tests-signing-key-" + "0123456789abcdef" * 2
INSTANCES = 2
STARTUP_SECONDS = 180
"""A ceiling, not a wait: an instance is up in seconds on an idle machine, but a CI runner
busy with the rest of the suite can take far longer to import the app."""
FAIL_TIMEOUT_S = 1
"""nginx's fail_timeout here (10 s deployed): a restarted instance is back in rotation fast."""


def _executable(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/sbin") / name) if p.exists()), None
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, log: Path, **client_options) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client(timeout=2, **client_options) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{url} exited with {process.returncode}:\n{log.read_text()}")
            try:
                if client.get(url + "/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {STARTUP_SECONDS} s:\n{log.read_text()}")


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Cluster:
    """The running cluster: nginx's HTTPS address (``url``), each instance's own address
    (``instances``), the shared database, and what a test needs to kill and restart one."""

    url: str
    http_url: str
    instances: list[str]
    database_url: str
    certificate: Path
    access_log: Path
    folder: Path
    env: dict[str, str] = field(repr=False)
    processes: list[subprocess.Popen | None] = field(default_factory=list, repr=False)
    nginx_running: bool = False

    def tls(self) -> ssl.SSLContext:
        """Trust the cluster's certificate, and nothing else."""
        return ssl.create_default_context(cafile=str(self.certificate))

    def client(self, **options) -> httpx.Client:
        return httpx.Client(verify=self.tls(), timeout=30, **options)

    def _spawn(self, index: int) -> None:
        """Start instance ``index`` as its systemd unit would (not waiting for it)."""
        port = int(self.instances[index].rsplit(":", 1)[1])
        command = [sys.executable, "-m", "rectoplan", "serve", "--port", str(port)]
        with self._log(index).open("a") as handle:
            self.processes[index] = subprocess.Popen(
                command, env=self.env, stdout=handle, stderr=subprocess.STDOUT, cwd=self.folder
            )

    def _log(self, index: int) -> Path:
        return self.folder / f"instance-{index}.log"

    def kill(self, index: int) -> None:
        """SIGKILL instance ``index`` (no shutdown, as in a crash) and wait until it is gone."""
        process = self.processes[index]
        assert process is not None and process.poll() is None, "the instance is not running"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=15)

    def ensure_running(self, *indices: int) -> None:
        """Start those instances (default: all) that are down; once nginx runs, wait until it
        routes to them again (its fail_timeout after the failure it saw)."""
        down = [
            i
            for i, p in enumerate(self.processes)
            if (not indices or i in indices) and (p is None or p.poll() is not None)
        ]
        for index in down:  # in parallel: each takes seconds to import
            self._spawn(index)
        for index in down:
            _wait_for(self.instances[index], self.processes[index], self._log(index))
            if self.nginx_running:
                self._wait_until_routed(index)

    def _wait_until_routed(self, index: int) -> None:
        address = self.instances[index].removeprefix("http://")
        probe = f"/healthz?routed={uuid.uuid4().hex}"
        deadline = time.monotonic() + STARTUP_SECONDS
        with self.client() as client:
            while time.monotonic() < deadline:
                client.get(self.url + probe)
                lines = self.access_log.read_text().splitlines()
                if any(probe in line and f"upstream={address} " in line for line in lines):
                    return
                time.sleep(0.1)
        raise RuntimeError(f"nginx did not route to {address} again")


def _certificate(folder: Path) -> tuple[Path, Path]:
    openssl = _executable("openssl")
    if openssl is None:
        pytest.fail("openssl is missing (scripts/system-packages.sh test installs it)")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _nginx_conf(folder: Path, site: Path) -> Path:
    """The main nginx.conf around the site file: everything nginx writes stays in ``folder``."""
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / name).mkdir(exist_ok=True)
    # as root, the workers would otherwise drop to ``nobody`` and could not use the temp dir
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""{user}daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log notice;
events {{ worker_connections 512; }}
http {{
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {site};
}}
"""
    )
    return conf


def _registry(url: str) -> None:
    """The database as the deployment document leaves it before the instances start: schema
    migrated and the first admin created (once), plus a clinician."""
    settings = Settings(database_url=url, secret_key=SECRET, admin_password=PASSWORD)
    prepare(settings)
    engine = make_engine(url)
    try:
        with transaction(session_factory(engine), "cluster-setup") as session:
            users.create_user(session, CLINICIAN, Role.clinician, PASSWORD)
    finally:
        engine.dispose()


@pytest.fixture
def cluster(running_cluster: Cluster) -> Cluster:
    """The cluster with both instances up (a test before may have killed one)."""
    running_cluster.ensure_running()
    return running_cluster


@pytest.fixture
def cluster_one_down(running_cluster: Cluster) -> Cluster:
    """The cluster with instance 0 up and instance 1 dead (killed here unless a test before
    left it so), after nginx's fail_timeout: nginx will try instance 1 again and be refused."""
    running_cluster.ensure_running(0)
    if running_cluster.processes[1].poll() is None:
        running_cluster.kill(1)
    time.sleep(FAIL_TIMEOUT_S + 0.5)
    return running_cluster


@pytest.fixture(scope="session")
def running_cluster(pg_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    nginx = _executable("nginx")
    if nginx is None:
        reason = "nginx is not installed (apt-get install nginx; make test does it)"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("nginx-cluster")
    name = pg_server.create()
    database_url = pg_server.url_of(name)
    nginx_process = None
    cluster = None
    try:
        _registry(database_url)
        cert, key = _certificate(folder)
        ports = [_free_port() for _ in range(INSTANCES)]
        https_port, http_port = _free_port(), _free_port()
        rendered = subprocess.run(
            [sys.executable, str(SITE_SCRIPT), "--server-name", "localhost",
             *(arg for port in ports for arg in ("--upstream", f"127.0.0.1:{port}")),
             "--certificate", str(cert), "--certificate-key", str(key),
             "--https-port", str(https_port), "--http-port", str(http_port),
             "--listen-address", "127.0.0.1", "--log-dir", str(folder),
             "--fail-timeout", str(FAIL_TIMEOUT_S)],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        site = folder / "rectoplan.conf"
        site.write_text(rendered)
        conf = _nginx_conf(folder, site)
        command = [nginx, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        env = {
            **os.environ,
            "RECTOPLAN_DATABASE_URL": database_url,
            "RECTOPLAN_SECRET_KEY": SECRET,
            "RECTOPLAN_SECURE_COOKIES": "1",
        }
        env.pop("RECTOPLAN_ADMIN_PASSWORD", None)
        cluster = Cluster(
            url=f"https://127.0.0.1:{https_port}",
            http_url=f"http://127.0.0.1:{http_port}",
            instances=[f"http://127.0.0.1:{port}" for port in ports],
            database_url=database_url,
            certificate=cert,
            access_log=folder / "rectoplan-access.log",
            folder=folder,
            env=env,
            processes=[None] * INSTANCES,
        )
        cluster.ensure_running()
        nginx_log = folder / "nginx.out"
        with nginx_log.open("w") as handle:
            nginx_process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)
        _wait_for(cluster.url, nginx_process, folder / "error.log", verify=cluster.tls())
        cluster.nginx_running = True
        yield cluster
    finally:
        if nginx_process is not None:
            _stop(nginx_process, signal.SIGQUIT)
        if cluster is not None:
            for process in cluster.processes:
                if process is not None:
                    _stop(process)
        pg_server.drop(name)
