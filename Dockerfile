# GAN Studio as a Hugging Face Docker Space (sdk: docker, app_port: 8501 in README.md).
FROM python:3.11-slim

# Spaces run the container as user 1000; give it a home and a writable app folder.
RUN useradd -m -u 1000 user
ENV HOME=/home/user PATH=/home/user/.local/bin:$PATH PYTHONUNBUFFERED=1 OPENBLAS_NUM_THREADS=1 \
    GAN_STUDIO_DATA=/home/user/.cache/gan-studio/data
WORKDIR /home/user/app

COPY --chown=user requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY --chown=user . .
USER user
EXPOSE 8501
# XSRF protection breaks file uploads inside the Space's iframe.
CMD ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0", \
     "--server.enableXsrfProtection=false"]
