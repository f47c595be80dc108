"""GAN Studio as deploy/ ships it, on one machine: a Ray head, two app replicas and nginx in front, in real Chromium.

A local head (`ray start --head --block`) and two `streamlit run app.py` replicas
with one secret, one visitors' folder and the head's token; nginx runs deploy/nginx.local.conf with this test's
ports (the shipped file's `server 127.0.0.1:8501`, `server 127.0.0.1:8502` and `listen 80;` replaced), its logs
and temporary files in a folder of its own. Through nginx's port alone, a visitor opens the Train page, starts
ring8 and sees it run on the cluster (the page works at all only when nginx upgrades its websocket); a second
visitor opens the page too and has no run of the first's. nginx's log shows every request of both visitors, from
one address, on one replica (ip_hash). That replica is killed: nginx passes the owner's page on to the other, where
the owner finds their run training on, and the second visitor, back on the page, is still on their own; every
websocket in nginx's log was upgraded (101). A watch code made through nginx opens on the other replica directly
(one registry on the cluster), and its watcher sees the run go on after the first replica died; the owner, moved to
the other replica, still pauses it. A class opened on one replica is joined by its code on the other, where the
student trains; the teacher's wall on the first shows them, and when the first is killed, the teacher finds their
class, still training, on the second, and ends it there.

The replicas reach the head as ray://127.0.0.1:PORT where ray[client] (grpcio) is installed (deploy/compose.yaml's
replicas, in containers of their own, reach the head that way), else as GAN_STUDIO_RAY_ADDRESS=127.0.0.1:PORT (a
replica on the head's machine). Skipped where nginx, ray or Chromium is missing.
"""
import contextlib
import importlib.util
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

from browser import (browser, choose_option, chromium_available, free_port, page_text, poll, poll_or_reload, serve,
                     wait_healthy)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCAL_CONF = os.path.join(ROOT, "deploy", "nginx.local.conf")
COMPOSE_CONF = os.path.join(ROOT, "deploy", "nginx.conf")
NGINX = shutil.which("nginx", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))
ok, why = chromium_available()

pytestmark = [pytest.mark.system]
NEEDS = (pytest.mark.skipif(not ok, reason=why),
         pytest.mark.skipif(shutil.which("ray") is None, reason="ray is optional: pip install -e .[ray]"),
         pytest.mark.skipif(NGINX is None, reason="no nginx here (apt-get install nginx)"))

CHART_POINTS = """(key) => Math.max(0, ...[...document.querySelectorAll('.st-key-' + key + ' .js-plotly-plot')]
    .map(el => (el._fullData && el._fullData[0] && el._fullData[0].x) ? el._fullData[0].x.length : 0))"""
FIRST_RUN_S = 180   # Start -> training: the head places the actor, a worker imports torch and builds the run
CHANGE_S = 60
# Ray's token authentication (on by default for local clusters since 2.59): the head and every replica share one token
TOKEN = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)}


def _has_ray_client() -> bool:
    """ray[client] (grpcio) is here: what `ray://` needs, in the replicas and in the head's client server."""
    return importlib.util.find_spec("grpc") is not None


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _up(proc: subprocess.Popen, port: int, *logs: str) -> bool:
    if proc.poll() is not None:   # poll() takes an exception as 'not yet': fail at once, with why
        pytest.fail(f"{proc.args[0]} exited with {proc.returncode}: {' '.join(_read(log) for log in logs)}")
    return _listening(port)


def _end(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM to the process group this test started, then SIGKILL after `grace` s."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:   # a head drains for up to 30 s: nothing here needs draining
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


@contextlib.contextmanager
def ray_head():
    """A local head of 2 CPUs; yields (GCS address, Ray Client address)."""
    port, client_port = free_port(), free_port()
    # a head starts Ray Client's server only with ray[client]: without it, naming its port is an error
    client = [f"--ray-client-server-port={client_port}"] if _has_ray_client() else []
    log = tempfile.NamedTemporaryFile(prefix="ray-head-", suffix=".log", delete=False)
    proc = subprocess.Popen(["ray", "start", "--head", "--block", f"--port={port}", "--num-cpus=2", *client,
                             "--node-ip-address=127.0.0.1", "--include-dashboard=false", "--disable-usage-stats"],
                            env={**os.environ, **TOKEN}, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        poll(lambda: _up(proc, port, log.name), 90, what="the Ray head's port")
        yield f"127.0.0.1:{port}", f"ray://127.0.0.1:{client_port}"
    finally:
        _end(proc)   # --block: the head and its processes end with this one
        log.close()
        os.unlink(log.name)


def render(conf: str, ports: tuple[int, int], listen: int, tmp: str) -> str:
    """deploy/nginx.local.conf with this test's ports, and every file nginx writes under `tmp`, not /var."""
    for old, new in (("server 127.0.0.1:8501 ", f"server 127.0.0.1:{ports[0]} "),
                     ("server 127.0.0.1:8502 ", f"server 127.0.0.1:{ports[1]} "),
                     ("listen 80;", f"listen 127.0.0.1:{listen};")):
        assert conf.count(old) == 1, f"deploy/nginx.local.conf should name {old!r} once (this test replaces it)"
        conf = conf.replace(old, new)
    paths = "".join(f"    {kind}_temp_path {tmp}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi",
                                                                           "uwsgi", "scgi"))
    log = (f"    log_format replicas '$request $status $upstream_addr';\n"
           f"    access_log {tmp}/access.log replicas;\n")
    assert conf.count("http {\n") == 1
    return conf.replace("http {\n", "http {\n" + paths + log)


@contextlib.contextmanager
def nginx(shipped: str, replicas: tuple[int, int], port: int):
    """nginx in the foreground with `shipped` rendered for these ports; yields the folder of its logs."""
    tmp = tempfile.mkdtemp(prefix="gan-studio-nginx-")
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, tmp, ignore_errors=True)
        os.chmod(tmp, 0o755)   # run as root, nginx's workers are `nobody`: they write proxied responses under tmp
        conf = os.path.join(tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(render(shipped, replicas, port, tmp))
        out = cleanup.enter_context(open(os.path.join(tmp, "nginx.out"), "wb"))
        proc = subprocess.Popen([NGINX, "-p", tmp + "/", "-c", conf,
                                 "-g", f"daemon off; pid {tmp}/nginx.pid; error_log {tmp}/error.log;"],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        cleanup.callback(_end, proc)
        poll(lambda: _up(proc, port, out.name, os.path.join(tmp, "error.log")), 20, what="nginx's port")
        yield tmp


def _read(path: str, tail: int | None = 2000) -> str:
    try:
        with open(path, errors="replace") as f:
            text = f.read()
            return text if tail is None else text[-tail:]
    except OSError:
        return ""


def _health(url: str) -> bytes:
    with urllib.request.urlopen(url + "/_stcore/health", timeout=5) as r:
        return r.read()


def visit(chromium, url, sockets: list):
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.on("websocket", lambda ws: sockets.append(ws))
    page.goto(url)
    return context, page


def sidebar(page, timeout_ms: float | None = None) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text(timeout=timeout_ms)


def step_of(page, timeout_ms: float | None = None) -> int:
    """The run's step as the sidebar says it ("step 1,234"); -1 without one."""
    words = sidebar(page, timeout_ms).replace(",", "").split()
    return max((int(w) for a, w in zip(words, words[1:]) if a.lower() == "step" and w.isdigit()), default=-1)


def streams_of(sockets: list) -> list[str]:
    """The page's Streamlit websockets, one for each (re)connection."""
    return [ws.url for ws in sockets if ws.url.endswith("/_stcore/stream")]


def directives(text: str) -> list[str]:
    """An nginx config's directives, one a line, without comments or spacing."""
    lines = (re.sub(r"#.*", "", line).strip() for line in text.splitlines())
    return [re.sub(r"\s+", " ", line) for line in lines if line]


def test_the_compose_config_is_the_local_one_but_for_the_replicas_addresses():
    """deploy/nginx.conf (compose) and deploy/nginx.local.conf (run below) stay one config: the compose one only
    names the replicas app1, app2 and finds them again through Docker's DNS (resolver, zone, resolve)."""
    with open(COMPOSE_CONF) as f:
        compose = directives(f.read())
    with open(LOCAL_CONF) as f:
        local = directives(f.read())
    assert "resolver 127.0.0.11 valid=10s ipv6=off;" in compose and "zone gan_studio 64k;" in compose
    as_local = [d.replace("app1:8501", "127.0.0.1:8501").replace("app2:8501", "127.0.0.1:8502")
                .replace(" resolve;", ";") for d in compose if not d.startswith(("resolver ", "zone "))]
    assert as_local == local
    for conf in (compose, local):   # what Streamlit behind a proxy needs: stickiness, the websocket, uploads
        assert "ip_hash;" in conf and "client_max_body_size 64m;" in conf and "proxy_read_timeout 1d;" in conf
        assert 'proxy_set_header Connection "upgrade";' in conf and "proxy_set_header Upgrade $http_upgrade;" in conf


@pytest.fixture
def address():
    """How the replicas reach the head: Ray Client, as deploy/compose.yaml's do, where ray[client] (grpcio) is
    installed; else its GCS port (a replica on the head's machine). One of the two: each costs ~40 s of CI."""
    return "ray-client" if _has_ray_client() else "gcs"


@NEEDS[0]
@NEEDS[1]
@NEEDS[2]
def test_two_visitors_through_nginx_train_on_the_cluster_on_a_sticky_replica_and_outlive_it(address):
    with open(LOCAL_CONF) as f:
        shipped = f.read()
    spaces = tempfile.mkdtemp(prefix="gan-studio-spaces-")
    with contextlib.ExitStack() as cleanup, ray_head() as (gcs, client):
        cleanup.callback(shutil.rmtree, spaces, ignore_errors=True)
        env = {"GAN_STUDIO_RAY_ADDRESS": gcs if address == "gcs" else client,
               "GAN_STUDIO_SECRET": "a-secret-both-replicas-share", "GAN_STUDIO_SPACES": spaces, **TOKEN}
        with serve(env=env, wait=False) as one, serve(env=env, wait=False) as two:
            wait_healthy(one)
            wait_healthy(two)
            replicas = (int(one.url.rsplit(":", 1)[1]), int(two.url.rsplit(":", 1)[1]))
            port = free_port()
            front = f"http://127.0.0.1:{port}"
            with nginx(shipped, replicas, port) as logs, browser() as chromium:
                assert _health(front) == b"ok"
                sockets = []
                ctx_1, first = visit(chromium, front, sockets)
                first.get_by_role("heading", name="Train").wait_for()
                first.locator(".st-key-preset [role=combobox]").click()
                first.get_by_role("option", name="ring8", exact=True).click()
                first.locator(".st-key-cfg-ring8-epochs input").wait_for(state="attached")
                first.locator(".st-key-btn-Start button").click()
                poll(lambda: "Run: running" in sidebar(first), FIRST_RUN_S, what="the run to train on the cluster")
                # the page's websocket went through nginx's port (and the page works at all only when it is upgraded)
                streams = streams_of(sockets)
                assert streams and all(u.startswith(f"ws://127.0.0.1:{port}/") for u in streams), streams

                # a watch code made through nginx opens on the other replica too (one registry on the cluster)
                first.get_by_text("Show this run to the class").click()
                link = poll(lambda: next((t for t in first.locator('[data-testid="stCode"]').all_inner_texts()
                                          if "watch=" in t), None), CHANGE_S, what="the watch link").strip()
                assert link.startswith(front)

                ctx_2, second = visit(chromium, front, [])   # a second visitor: a cookie of its own
                second.get_by_role("heading", name="Train").wait_for()
                poll(lambda: "No run yet" in sidebar(second), CHANGE_S, what="the second visitor's own sidebar")
                assert "Run: running" in sidebar(first)              # and the first's run trains on

                # every request so far of both visitors, from one address, went to one replica (ip_hash); nginx
                # logs a request when it ends, so the open websockets are not here yet
                log = os.path.join(logs, "access.log")
                sticky = {int(line.rsplit(":", 1)[1]) for line in _read(log, tail=None).splitlines()}
                assert len(sticky) == 1 and sticky <= set(replicas), _read(log)
                (port_of_sticky,) = sticky
                dead, alive = (one, two) if port_of_sticky == replicas[0] else (two, one)
                ctx_3, watcher = visit(chromium, f"{alive.url}/?watch={link.split('watch=')[1]}", [])
                watcher.get_by_text("Presenter view").wait_for()
                shown = poll(lambda: watcher.evaluate(CHART_POINTS, "watch-curves"), CHANGE_S,
                             what="the run on the other replica, by its watch code")

                # that replica dies: nginx passes the owner's page on to the other (its step goes on, which no page
                # cut off from its server shows), where their cookie finds the run, which trained on; the second
                # visitor, back on the page, is still no one's but their own
                # (read as the run's step, reloading a page that lost its app: CI's Chromium did, here too)
                before = poll_or_reload(first, lambda: max(0, step_of(first, 5_000)), CHANGE_S,
                                        what="the owner's step before its replica dies",
                                        needs='[data-testid="stSidebar"]')
                os.killpg(dead.proc.pid, signal.SIGKILL)
                dead.proc.wait(10)
                time.sleep(0.5)   # what the dead replica had sent has arrived: the page shows it, and no more
                try:
                    step = step_of(first, 5_000)
                except Exception:   # noqa: BLE001 - CI's Chromium showed a blank page here: poll_or_reload reloads it
                    step = before
                try:
                    poll_or_reload(first, lambda: step_of(first, 5_000) > step and "Run: running" in sidebar(first, 5_000),
                                   CHANGE_S, what="the owner's run training on, through the other replica",
                                   needs='[data-testid="stSidebar"]')
                except TimeoutError as e:   # what the page shows, read with a short wait: it may have no sidebar
                    raise AssertionError(f"{e}: from step {step}, the page: {page_text(first)!r}, "
                                         f"nginx: {_read(os.path.join(logs, 'error.log'))} {_read(log)}, the replica "
                                         f"that lived: {alive.log()}") from None
                poll_or_reload(watcher, lambda: watcher.evaluate(CHART_POINTS, "watch-curves") > shown, CHANGE_S,
                               what="the watcher's chart to go on with the owner's replica gone",
                               show=lambda: page_text(watcher) + "\nthe replica that lived: " + alive.log(1500))
                first.locator(".st-key-btn-Pause button").click()   # the owner still controls it
                poll(lambda: "Run: paused" in sidebar(first), CHANGE_S, what="the owner's pause on the other replica")
                second.reload()
                second.get_by_role("heading", name="Train").wait_for()
                poll(lambda: "No run yet" in sidebar(second), CHANGE_S, what="the second visitor on the other replica")
                for ctx in (ctx_3, ctx_2, ctx_1):
                    ctx.close()

                # every websocket was upgraded (101); the later ones went to the replica that lived
                on_alive = f"GET /_stcore/stream HTTP/1.1 101 127.0.0.1:{alive.url.rsplit(':', 1)[1]}"
                poll(lambda: _read(log).count(on_alive) >= 2, CHANGE_S, what="nginx's log of the later websockets")
                streams = [ln for ln in _read(log, tail=None).splitlines() if ln.startswith("GET /_stcore/stream")]
                assert all(" 101 " in line for line in streams), streams


def _student_line(page) -> str:
    """A class student's status line: "Student 1 · training · step 1,234 · ..." ('' while the page redraws)."""
    captions = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').all_inner_texts()
    return next((t for t in captions if t.startswith("Student ")), "")


def _step(line: str) -> int:
    found = re.search(r"step ([\d,]+)", line)
    return int(found.group(1).replace(",", "")) if found else -1


def _wall(page) -> str:
    """The teacher's wall: its thumbnails' captions (no-break spaces read as spaces)."""
    return " | ".join(page.evaluate("""() => [...document.querySelectorAll('[data-testid="stImageCaption"]')]
        .map(e => e.innerText)""")).replace("\u00a0", " ")


@NEEDS[0]
@NEEDS[1]
def test_a_class_opened_on_one_replica_is_joined_on_the_other_and_outlives_the_first():
    """Issue 21 for classes: the class is an actor of the cluster, its code in the cluster's registry."""
    spaces = tempfile.mkdtemp(prefix="gan-studio-spaces-")
    with contextlib.ExitStack() as cleanup, ray_head() as (gcs, _):
        cleanup.callback(shutil.rmtree, spaces, ignore_errors=True)
        env = {"GAN_STUDIO_RAY_ADDRESS": gcs, "GAN_STUDIO_SECRET": "a-secret-both-replicas-share",
               "GAN_STUDIO_SPACES": spaces, **TOKEN}
        with serve(env=env, wait=False) as one, serve(env=env, wait=False) as two, browser() as chromium:
            wait_healthy(one)
            wait_healthy(two)
            ctx_t, teacher = visit(chromium, one.url + "/classroom", [])
            choose_option(teacher, "cls_preset", "class-ring8", FIRST_RUN_S)
            teacher.get_by_role("button", name="Open the class").click()
            link = poll(lambda: next((t.strip() for t in teacher.locator('[data-testid="stCode"]').all_inner_texts()
                                      if "?class=" in t), None), FIRST_RUN_S, what="the class link")
            code = link.rsplit("=", 1)[1]
            ctx_s, student = visit(chromium, f"{two.url}/?class={code.lower()}", [])   # the other replica, typed
            poll_or_reload(student, lambda: student.locator(".st-key-cls-start button").count(), FIRST_RUN_S,
                           what="the student's seat on the other replica", needs=".st-key-cls-start")
            student.locator(".st-key-cls-start button").click()
            poll(lambda: "training" in _student_line(student) and _step(_student_line(student)) > 0, FIRST_RUN_S,
                 what="the student's run to train")
            poll_or_reload(teacher, lambda: "Student 1" in _wall(teacher), CHANGE_S,
                           what="the student on the teacher's wall, through the first replica",
                           needs='[data-testid="stSidebar"]')

            os.killpg(one.proc.pid, signal.SIGKILL)   # the teacher's replica dies; the class trains on
            one.proc.wait(10)
            at = _step(_student_line(student))
            poll(lambda: _step(_student_line(student)) > at + 50, CHANGE_S, what="the student's run training on")
            teacher.goto(two.url + "/classroom")   # the teacher, by their cookie, on the other replica
            try:
                poll_or_reload(teacher, lambda: "Student 1" in _wall(teacher), CHANGE_S,
                               what="the teacher's wall on the second replica", needs='[data-testid="stSidebar"]')
            except TimeoutError as e:
                raise AssertionError(f"{e}: the page: {page_text(teacher)!r}, the replica: {two.log()}") from None
            assert code in page_text(teacher)
            teacher.locator(".st-key-wall-close button").click()
            teacher.locator(".st-key-wall-close-yes button").click()
            poll(lambda: teacher.get_by_role("button", name="Open the class").count() == 1, CHANGE_S,
                 what="the class ended, the form back")
            poll(lambda: "training" not in _student_line(student), CHANGE_S, what="the student's run to stop")
            for ctx in (ctx_s, ctx_t):
                ctx.close()
