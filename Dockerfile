# GAN Studio as a container: `docker run -p 8501:8501 IMAGE` on any machine, or a Hugging Face
# Docker Space (sdk: docker, app_port: 8501 in README.md). bench/docker_smoke.sh builds and checks it.
FROM python:3.11-slim

# Where torch and torchvision come from. PyTorch's CPU-only wheels by default: a CPU image of
# about 1.9 GB (PyPI's torch is the CUDA build, with ~4.7 GB of CUDA libraries no CPU uses).
# A machine that cannot reach that index can name another, e.g.
#   docker build --build-arg TORCH_INDEX=https://pypi.org/simple .   (the CUDA build: ~6.6 GB)
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
# The torch and torchvision to install, as requirement specifiers. Empty: the pins in requirements.txt.
ARG TORCH_PINS=""

# Spaces run the container as user 1000; give it a home and an app folder it owns (WORKDIR and
# COPY --chown alone would leave the folder itself to root).
RUN useradd -m -u 1000 user && install -d -o user -g user /home/user/app
ENV HOME=/home/user PATH=/home/user/.local/bin:$PATH PYTHONUNBUFFERED=1 OPENBLAS_NUM_THREADS=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore PIP_NO_CACHE_DIR=1
WORKDIR /home/user/app

COPY --chown=user requirements.txt .
# torch and torchvision first, from TORCH_INDEX; then the rest from PyPI under a constraint that
# keeps the torch just installed, so that nothing can bring the CUDA build back in.
RUN set -eu; \
    pins="${TORCH_PINS:-$(grep -E '^torch(vision)?==' requirements.txt | cut -d' ' -f1)}"; \
    pip install --index-url "$TORCH_INDEX" $pins; \
    pip freeze | grep -iE '^torch(vision)?==' > /tmp/torch.txt; \
    grep -vE '^torch(vision)?==' requirements.txt > /tmp/rest.txt; \
    pip install -r /tmp/rest.txt -c /tmp/torch.txt; \
    [ "$(pip freeze | grep -iE '^torch(vision)?==')" = "$(cat /tmp/torch.txt)" ]; \
    python -c "import torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda)"; \
    rm /tmp/torch.txt /tmp/rest.txt

COPY --chown=user . .
# Ray, for a cluster (deploy/): `--build-arg RAY=2.60.0` installs ganlib itself (editable: Ray's workers import it
# from any folder) with Ray and Ray Client at that version, torch held as it is. Empty: no Ray.
ARG RAY=""
RUN if [ -n "$RAY" ]; then \
      pip freeze | grep -iE '^torch(vision)?==' > /tmp/torch.txt && \
      pip install -e ".[ray]" "ray[client]==$RAY" -c /tmp/torch.txt && rm /tmp/torch.txt; \
    fi
USER user
# Datasets and visitors' checkpoints go to /data/gan-studio when /data is writable (a Space's
# persistent storage, or `-v`), else to ~/.cache/gan-studio (ganlib/home.py).
EXPOSE 8501
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s \
    CMD python -c "import urllib.request as u; assert u.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() == b'ok'"
# Streamlit's XSRF protection stays on. Inside a Hugging Face Space's cross-site iframe its cookie needs
# SameSite=None: set the Space variable STREAMLIT_SERVER_XSRF_COOKIE_SAME_SITE=none there alone (README, Hosting).
CMD ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0"]
