"""JupyterLab behind Traefik (compose service `jupyterlab`): `jupyter lab --config=deploy/jupyter_server_config.py`.

The token comes from the JUPYTER_TOKEN environment variable (jupyter_server reads it itself), so it never shows
in the process list; Traefik adds basic auth (OPS_BASIC_AUTH) in front.
"""

import os

c = get_config()  # type: ignore[name-defined]  # noqa: F821 - injected by jupyter's config loader

c.ServerApp.ip = "0.0.0.0"  # noqa: S104 - reachable only on the compose network, published through Traefik
c.ServerApp.port = 8888
c.ServerApp.open_browser = False
c.ServerApp.root_dir = (
    "/app"  # notebooks/ (writable: the pipeline notebooks); executed runs are under /data/runs
)
c.ServerApp.allow_remote_access = True  # requests arrive with the public Host header
c.ServerApp.trust_xheaders = True  # Traefik's X-Forwarded-Proto/-For: correct https URLs and client IPs
c.ServerApp.allow_origin = f"https://{os.environ['JUPYTER_HOST']}" if os.environ.get("JUPYTER_HOST") else ""
if not os.environ.get("JUPYTER_TOKEN"):
    # SystemExit, not an exception: jupyter only logs exceptions in config files and starts anyway
    raise SystemExit("set JUPYTER_TOKEN (jupyterlab refuses to start without a token)")
c.IdentityProvider.token = os.environ["JUPYTER_TOKEN"]
c.ServerApp.terminado_settings = {"shell_command": ["/bin/bash"]}
