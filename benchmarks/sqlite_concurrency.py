"""How long reads and writes wait on SQLite while a bulk job runs, by transaction policy.

```
.venv/bin/python -m benchmarks.sqlite_concurrency [--rows 1500]
    [--policy read-deferred,all-immediate]
```

For each policy a fresh home and a server process (uvicorn on loopback) are started; an
issuer, a published achievement and an API token are made; a bulk upload of ``--rows``
rows starts, and while it runs one client reads an award (``GET /api/v1/awards/{id}``)
every 50 ms and another issues one (``POST /api/v1/awards``) every 250 ms. Reported:
the latency of each (median, 95th percentile, max) and the errors.

Policies: ``read-deferred`` is what Credstack does (GET requests read in a deferred
transaction); ``all-immediate`` makes GET requests take the write lock too (the app's
read sessions replaced by write sessions), to show what that would cost.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "micro-credential.yaml"

_SERVER = """
import sys, uvicorn
from credstack.app import create_app
from credstack.settings import load_settings
from credstack.store.engine import Transactions, engine_for, session_factory
settings = load_settings()
engine = engine_for(settings)
app = create_app(settings, engine)
if sys.argv[2] == "all-immediate":
    app.state.read_session_factory = session_factory(engine, Transactions.WRITE)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""

_SETUP = """
import json
from pathlib import Path
from credstack.services.accounts import authz, tokens
from credstack.services.accounts.users import Principal
from credstack.services.achievements import lifecycle
from credstack.services.context import ServiceContext
from credstack.services.issuing import awards
from credstack.settings import load_settings
from credstack.store.engine import engine_for, session_factory
from credstack.store.models import User
settings = load_settings()
engine = engine_for(settings)
ctx = ServiceContext.from_settings(settings)
with session_factory(engine)() as s:
    owner = User(email="owner@bench.example", name="Owner", password_hash=None)
    s.add(owner); s.flush()
    org = authz.create_organization(s, ctx, Principal(owner.id), name="Bench", type="university",
        url="https://bench.example", country="NL", slug="bench")
    text = Path(%r).read_text("utf-8")
    a = lifecycle.publish(s, ctx, lifecycle.create_achievement(s, ctx, issuer_slug="bench",
        definition=text).id)
    award = awards.issue_award(s, ctx, achievement_id=a.id, email="first@bench.example",
        name="First").award
    token = tokens.create_token(s, ctx, Principal(owner.id), org.id, name="b",
        scopes=["award", "read"])
    s.commit()
    print(json.dumps({"achievement": a.id, "award": award.id, "token": token.secret}))
"""


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _summary(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"n": 0}
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def measure(policy: str, rows: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="credstack-conc-") as folder:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CREDSTACK_")}
        env |= {"CREDSTACK_HOME": folder, "CREDSTACK_BASE_URL": f"http://127.0.0.1:{port}"}
        python = sys.executable
        subprocess.run([python, "-m", "credstack", "init"], env=env, check=True,
                       capture_output=True)  # fmt: skip
        made = subprocess.run([python, "-c", _SETUP % str(EXAMPLE)], env=env, check=True,
                              capture_output=True, text=True)  # fmt: skip
        world = json.loads(made.stdout)
        server = subprocess.Popen([python, "-c", _SERVER, str(port), policy], env=env)
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {world['token']}"}
        try:
            with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                deadline = time.monotonic() + 30
                while True:
                    try:
                        if client.get("/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.1)
                lines = ["email,name,external_id"]
                lines += [f"b{n}@bench.example,B {n},B-{n}" for n in range(rows)]
                job = client.post(
                    "/api/v1/awards/bulk",
                    data={"achievement_id": world["achievement"]},
                    files={"file": ("b.csv", "\n".join(lines).encode(), "text/csv")},
                ).json()
                reads: list[float] = []
                writes: list[float] = []
                errors: list[int] = []
                running = threading.Event()
                running.set()

                def reader() -> None:
                    with httpx.Client(base_url=base, headers=headers, timeout=60) as own:
                        while running.is_set():
                            started = time.monotonic()
                            status = own.get(f"/api/v1/awards/{world['award']}").status_code
                            reads.append(time.monotonic() - started)
                            if status != 200:
                                errors.append(status)
                            time.sleep(0.05)

                def writer() -> None:
                    with httpx.Client(base_url=base, headers=headers, timeout=60) as own:
                        number = 0
                        while running.is_set():
                            started = time.monotonic()
                            body = {
                                "achievement_id": world["achievement"],
                                "email": f"w{number}@bench.example",
                                "name": f"W {number}",
                            }
                            status = own.post("/api/v1/awards", json=body).status_code
                            writes.append(time.monotonic() - started)
                            if status != 201:
                                errors.append(status)
                            number += 1
                            time.sleep(0.25)

                threads = [threading.Thread(target=reader), threading.Thread(target=writer)]
                for thread in threads:
                    thread.start()
                started = time.monotonic()
                state = "queued"
                while state in ("queued", "running"):
                    time.sleep(0.5)
                    state = client.get(f"/api/v1/jobs/{job['id']}").json()["state"]
                job_seconds = time.monotonic() - started
                running.clear()
                for thread in threads:
                    thread.join(120)
        finally:
            server.terminate()
            server.wait(30)
    return {
        "policy": policy,
        "rows": rows,
        "job": {"state": state, "seconds": round(job_seconds, 1)},
        "reads": _summary(reads),
        "writes": _summary(writes),
        "errors": errors,
        "load": round(os.getloadavg()[0], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1500)
    parser.add_argument("--policy", default="read-deferred,all-immediate")
    arguments = parser.parse_args()
    for policy in arguments.policy.split(","):
        print(json.dumps(measure(policy, arguments.rows)), flush=True)


if __name__ == "__main__":
    main()
