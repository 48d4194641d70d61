"""The files in deploy/ are what their tools accept: nginx takes the production site (with its TLS server),
systemd the units, gunicorn the configuration with the instance's environment; and every setting the
example environment names is one the app or the gunicorn configuration reads."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from studyapp.config import Config
from tests.load.test_instances import nginx_or_skip

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "studyapp.school.example")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_nginx_accepts_the_site_as_shipped(tmp_path):
    """The site and its snippet, laid out as in /etc/nginx, with only the certificate paths pointed at a
    throwaway certificate: `nginx -t` passes."""
    nginx_or_skip()
    cert, key = self_signed(tmp_path)
    (tmp_path / "snippets").mkdir()
    shutil.copy(DEPLOY / "nginx" / "studyapp-proxy.conf", tmp_path / "snippets" / "studyapp-proxy.conf")
    site = (DEPLOY / "nginx" / "studyapp.conf").read_text()
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
    (tmp_path / "studyapp.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log off;\n  include {tmp_path}/studyapp.conf;\n}}\n"
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    done = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr and "test is successful" in done.stderr


def test_systemd_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not found (Debian's systemd package)")
    shutil.copy(DEPLOY / "systemd" / "studyapp@.service", tmp_path / "studyapp@8001.service")
    shutil.copy(DEPLOY / "systemd" / "studyapp-migrate.service", tmp_path / "studyapp-migrate.service")
    done = subprocess.run(
        [
            analyze,
            "verify",
            "--man=no",
            str(tmp_path / "studyapp@8001.service"),
            str(tmp_path / "studyapp-migrate.service"),
        ],
        capture_output=True,
        text=True,
    )
    # The programs live in /srv/studyapp/.venv on a server, not here: that is the only complaint allowed.
    problems = [line for line in done.stderr.splitlines() if line and "is not executable" not in line]
    assert problems == [], problems


def test_gunicorn_reads_the_instance_environment():
    env = {**os.environ, "STUDYAPP_BIND": "127.0.0.1:9999", "STUDYAPP_WORKERS": "3", "STUDYAPP_GRACEFUL_TIMEOUT": "7"}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "--print-config", "--config", "deploy/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    settings = dict(re.findall(r"^(\w+)\s+= (.*)$", done.stdout, re.M))
    assert settings["bind"] == "['127.0.0.1:9999']"
    assert (settings["workers"], settings["graceful_timeout"], settings["worker_class"]) == ("3", "7", "sync")
    assert settings["wsgi_app"] == "wsgi:app"
    assert settings["post_worker_init"] == "<post_worker_init()>" and settings["worker_exit"] == "<worker_exit()>"


def test_the_example_environment_names_only_settings_that_are_read():
    gunicorn_conf = (DEPLOY / "gunicorn.conf.py").read_text()
    names = re.findall(r"^([A-Z_]+)=", (DEPLOY / "studyapp.env.example").read_text(), re.M)
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "STUDYAPP_ENV"} <= set(names)
    for name in names:
        if name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "STUDYAPP_ENV"):
            continue  # read by studyapp.config.load itself
        assert name.startswith("STUDYAPP_"), name
        key = name.removeprefix("STUDYAPP_")
        assert hasattr(Config, key) or f'"{name}"' in gunicorn_conf, f"{name} is read by nothing"
