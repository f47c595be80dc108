#!/usr/bin/env bash
# Build the Docker image and smoke-test it; prints the build time, the image size and the container's memory.
#
#   bench/docker_smoke.sh                  # as the Dockerfile says: torch from PyTorch's CPU index
#   TORCH_INDEX=https://pypi.org/simple bench/docker_smoke.sh       # where that index is out of reach (CUDA torch)
#   LOCAL_TORCH_WHEEL=/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl \
#   LOCAL_TORCHVISION=0.28.0 bench/docker_smoke.sh                    # a CPU torch wheel on this machine
#
# LOCAL_TORCH_WHEEL serves that wheel, the torchvision it names and their dependencies (from PyPI) as a
# package index on 127.0.0.1, and builds with TORCH_INDEX pointing at it and TORCH_PINS naming them:
# a CPU image where PyTorch's CPU index cannot be reached, with the torch of that wheel, not the pinned one.
#
# Checks, each a line with ok or FAIL: the container reports healthy and Streamlit's /_stcore/health
# answers ok from the host; it runs as uid 1000 and may write its app folder; a page run of the app
# (one Streamlit session over its websocket) finishes; `python -m ganlib train` trains fast-digits for
# SMOKE_SECONDS and a Runner trains and saves, both into /data (a host folder owned by uid 1000, as a
# Space's persistent storage), and the files are uid 1000's; without /data, a Runner saves under ~.
#
# Self-contained: installs docker.io and starts dockerd when no engine answers, and, when python:3.11-slim
# can be neither found nor pulled (no Docker Hub), builds a stand-in for it with debootstrap (Debian
# bookworm's Python 3.11 with pip, `python` and `pip` in /usr/local/bin as in the official image, and this
# machine's CA certificates).
# Not part of .ci/run: a build takes minutes. Env: IMAGE (gan-studio:smoke), PORT (the host port; a free
# one), SMOKE_SECONDS (20), CACHE=1 reuses the layers of an earlier build, KEEP=1 leaves the container
# running, WORK (/tmp/gan-studio-docker-smoke; the build log is $WORK/build.log).
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-gan-studio:smoke}
free_port() { python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }
PORT=${PORT:-$(free_port)}
SMOKE_SECONDS=${SMOKE_SECONDS:-20}
WORK=${WORK:-/tmp/gan-studio-docker-smoke}
NAME=gan-studio-smoke
FAILED=0
ok()   { echo "ok    $*"; }
fail() { echo "FAIL  $*"; FAILED=1; }
say()  { echo "==> $*"; }

# --- an engine ------------------------------------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  if ! command -v dockerd >/dev/null 2>&1; then
    say "installing docker.io"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
  say "starting dockerd (log: /tmp/dockerd.log)"
  nohup dockerd >/tmp/dockerd.log 2>&1 &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /tmp/dockerd.log"; exit 1; }
fi

# --- the base image ---------------------------------------------------------------------------------------
if ! docker image inspect python:3.11-slim >/dev/null 2>&1 && ! timeout 60 docker pull -q python:3.11-slim; then
  say "python:3.11-slim cannot be pulled: building a stand-in with debootstrap"
  command -v debootstrap >/dev/null 2>&1 || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  rootfs=$WORK/rootfs
  rm -rf "$rootfs" && mkdir -p "$WORK"
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1
  cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
  chroot "$rootfs" /bin/sh -c '
    apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      python3.11 python3-pip python3-venv ca-certificates passwd >/dev/null &&
    apt-get clean && rm -rf /var/lib/apt/lists/* &&
    rm -f /usr/lib/python3.11/EXTERNALLY-MANAGED &&
    ln -sf /usr/bin/python3.11 /usr/local/bin/python && ln -sf /usr/bin/python3.11 /usr/local/bin/python3 &&
    ln -sf /usr/bin/pip3 /usr/local/bin/pip'
  : >"$rootfs/etc/resolv.conf"
  # The stand-in trusts what this machine trusts (a proxy between it and PyPI may sign with its own CA).
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  tar -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' - python:3.11-slim >/dev/null
  rm -rf "$rootfs"
  base_b=$(docker image inspect -f '{{.Size}}' python:3.11-slim)
  echo "stand-in python:3.11-slim: $(awk -v b="$base_b" 'BEGIN {printf "%.0f MB", b / 1e6}')"
fi

# --- a local package index for LOCAL_TORCH_WHEEL ----------------------------------------------------------
build_args=(--network host --force-rm)   # no container left behind by a failed step
[ "${CACHE:-0}" = 1 ] || build_args+=(--no-cache)   # a fresh build, so that the build time means something
index_pid=""
cleanup() {
  [ -n "$index_pid" ] && kill "$index_pid" 2>/dev/null || true
  [ "${KEEP:-0}" = 1 ] || docker rm -f "$NAME" "$NAME-nodata" >/dev/null 2>&1 || true
}
trap cleanup EXIT
if [ -n "${LOCAL_TORCH_WHEEL:-}" ]; then
  : "${LOCAL_TORCHVISION:?name the torchvision that goes with that torch, e.g. LOCAL_TORCHVISION=0.28.0}"
  say "serving $(basename "$LOCAL_TORCH_WHEEL") and torchvision==$LOCAL_TORCHVISION from a local index"
  index=$WORK/index
  rm -rf "$index" && mkdir -p "$index/files"
  python3 -m pip download -q --only-binary=:all: --python-version 3.11 --dest "$index/files" \
    "$LOCAL_TORCH_WHEEL" "torchvision==$LOCAL_TORCHVISION" 2> >(grep -v "is ignored" >&2)
  python3 - "$index" <<'EOF'
import os, re, sys
root = sys.argv[1]
for f in sorted(os.listdir(os.path.join(root, "files"))):
    name = re.sub(r"[-_.]+", "-", f.split("-")[0]).lower()          # PEP 503's normalised project name
    os.makedirs(os.path.join(root, "simple", name), exist_ok=True)
    with open(os.path.join(root, "simple", name, "index.html"), "a") as page:
        page.write(f'<a href="../../files/{f}">{f}</a><br>\n')
EOF
  index_port=$(free_port)
  python3 -m http.server "$index_port" --bind 127.0.0.1 --directory "$index" >"$WORK/index.log" 2>&1 &
  index_pid=$!
  sleep 1
  torch_version=$(basename "$LOCAL_TORCH_WHEEL" | cut -d- -f2)
  TORCH_INDEX=http://127.0.0.1:$index_port/simple
  TORCH_PINS="torch==$torch_version torchvision==$LOCAL_TORCHVISION"
fi
[ -n "${TORCH_INDEX:-}" ] && build_args+=(--build-arg "TORCH_INDEX=$TORCH_INDEX")
[ -n "${TORCH_PINS:-}" ] && build_args+=(--build-arg "TORCH_PINS=$TORCH_PINS")

# --- build ----------------------------------------------------------------------------------------------------
say "docker build ${build_args[*]} -t $IMAGE ."
start=$(date +%s)
docker build "${build_args[@]}" -t "$IMAGE" . >"$WORK/build.log" 2>&1 || {
  tail -30 "$WORK/build.log"; echo "build failed (log: $WORK/build.log)"; exit 1; }
build_s=$(( $(date +%s) - start ))
grep -E "^torch [0-9]" "$WORK/build.log" | tail -1 || true
size_b=$(docker image inspect -f '{{.Size}}' "$IMAGE")
size_gb=$(awk -v b="$size_b" 'BEGIN {printf "%.2f", b / 1e9}')

# --- run ----------------------------------------------------------------------------------------------------
docker rm -f "$NAME" "$NAME-nodata" >/dev/null 2>&1 || true
data=$WORK/data
rm -rf "$data" && mkdir -p "$data" && chown 1000:1000 "$data"
docker run -d --name "$NAME" -p "127.0.0.1:$PORT:8501" -v "$data:/data" \
  -e GAN_STUDIO_MAX_RUNS=1 -e GAN_STUDIO_IDLE_MINUTES=5 "$IMAGE" >/dev/null
health=""
for _ in $(seq 90); do
  health=$(docker inspect -f '{{.State.Health.Status}}' "$NAME" 2>/dev/null || echo gone)
  [ "$health" = healthy ] || [ "$health" = unhealthy ] || [ "$health" = gone ] && break
  sleep 2
done
if [ "$health" = healthy ]; then ok "container reports healthy"
else fail "container health: $health"; docker logs "$NAME" 2>&1 | tail -20; fi
answer=$(python3 -c "import urllib.request as u
print(u.urlopen('http://127.0.0.1:$PORT/_stcore/health', timeout=5).read().decode())" 2>&1 || true)
[ "$answer" = ok ] && ok "/_stcore/health from the host: ok" || fail "/_stcore/health from the host: '$answer'"
memory() { docker stats --no-stream --format '{{.MemUsage}}' "$NAME" | cut -d/ -f1 | tr -d ' '; }
rss_idle=$(memory)

uid=$(docker exec "$NAME" id -u)
[ "$uid" = 1000 ] && ok "runs as uid 1000" || fail "runs as uid $uid"
docker exec "$NAME" sh -c 'touch /home/user/app/.smoke && rm /home/user/app/.smoke' \
  && ok "the app folder is writable by uid 1000" || fail "the app folder is not writable by uid 1000"

# One session of the app, as a browser opens it: the Train page's first run, over Streamlit's websocket.
session=$(docker exec -i "$NAME" python - <<'EOF' 2>&1 || true
import time
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
try:
    from websockets.sync.client import connect
except ImportError:
    print("skipped: no websockets package in the image"); raise SystemExit
t, elements, errors = time.monotonic(), 0, []
with connect("ws://127.0.0.1:8501/_stcore/stream", subprotocols=["streamlit"], max_size=None) as ws:
    msg = BackMsg(); msg.rerun_script.query_string = ""
    ws.send(msg.SerializeToString())
    while True:
        got = ForwardMsg(); got.ParseFromString(ws.recv(timeout=120))
        kind = got.WhichOneof("type")
        if kind == "delta" and got.delta.WhichOneof("type") == "new_element":
            elements += 1
            if got.delta.new_element.WhichOneof("type") == "exception":
                errors.append(got.delta.new_element.exception.message)
        if kind == "script_finished" and got.script_finished == got.FINISHED_SUCCESSFULLY:
            break
print(f"ok in {time.monotonic() - t:.1f} s, {elements} elements" if elements and not errors else f"errors: {errors}")
EOF
)
case "$session" in ok*) ok "the Train page's first run: $session";; skipped*) echo "--    page run $session";;
  *) fail "the Train page's first run: $(echo "$session" | tail -3)";; esac
rss_page=$(memory)

# Train with the command line, into /data; the container's memory is read halfway.
docker exec "$NAME" python -m ganlib train --preset fast-digits --seconds "$SMOKE_SECONDS" \
  --out /data/gan-studio/smoke/cli.pt >"$WORK/cli.log" 2>&1 &
cli_pid=$!
sleep $(( SMOKE_SECONDS / 2 + 5 ))
rss_training=$(memory)
wait "$cli_pid" || true
cli=$(tr '\r' '\n' <"$WORK/cli.log")
rate=$(echo "$cli" | grep -oE '[0-9.]+ steps/s' | tail -1)
if [ -f "$data/gan-studio/smoke/cli.pt" ] && [ "$(stat -c %u "$data/gan-studio/smoke/cli.pt")" = 1000 ]; then
  ok "ganlib train --seconds $SMOKE_SECONDS: $rate; $(echo "$cli" | grep '^wrote' | sed 's/ (.*//'), owned by uid 1000"
else
  fail "ganlib train: $(echo "$cli" | tail -3)"
fi

# A Runner, as the app starts one, saving where the app saves (ganlib.home).
runner_py='
import os, time, ganlib
from ganlib import home
os.makedirs(os.path.join(home.home(), "smoke"), exist_ok=True)
r = ganlib.Runner(ganlib.preset("fast-digits")); r.start(); t = time.monotonic()
snap = r.wait(lambda s: s.step >= 200, timeout=120)
dt = time.monotonic() - t
path = r.save(os.path.join(home.home(), "smoke", "runner.pt")); r.close()
print(f"step {snap.step} ({snap.status.name.lower()}) in {dt:.1f} s; saved {path}")
'
out=$(docker exec "$NAME" python -c "$runner_py" 2>&1 || true)
if echo "$out" | grep -q "saved /data/gan-studio/smoke/runner.pt" \
   && [ "$(stat -c %u "$data/gan-studio/smoke/runner.pt")" = 1000 ]; then
  ok "a Runner: $(echo "$out" | tail -1), owned by uid 1000"
else
  fail "a Runner into /data: $(echo "$out" | tail -3)"
fi

# Without /data (a Space with no persistent storage): the home folder.
out=$(docker run --rm --name "$NAME-nodata" "$IMAGE" python -c "$runner_py" 2>&1 || true)
echo "$out" | grep -q "saved /home/user/.cache/gan-studio/smoke/runner.pt" \
  && ok "without /data a Runner saves under ~: $(echo "$out" | tail -1 | sed 's/.*saved //')" \
  || fail "without /data: $(echo "$out" | tail -3)"

echo
echo "image $IMAGE: $size_gb GB ($size_b bytes); build $build_s s"
echo "container memory (docker stats): $rss_idle idle, $rss_page after the Train page's first run," \
     "$rss_training with a ganlib train process beside the server"
echo "torch in the image: $(docker run --rm "$IMAGE" python -c \
     'import torch; print(torch.__version__, "CUDA", torch.version.cuda)' 2>/dev/null)"
[ "$FAILED" = 0 ] && echo "smoke: all ok" || echo "smoke: FAILED"
exit "$FAILED"
