# latentsat: the solver service (default) and the benchmark harness, built from this repository alone.
#   docker build -t latentsat .
#   docker run --rm -p 8000:8000 latentsat                                   # HTTP service on :8000
#   docker run --rm --user "$(id -u)" -v "$PWD/bench/results:/results" latentsat bench --suite planted --out /results
# Everything is installed at build time; nothing is downloaded at run time.

FROM python:3.12-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY . .
RUN /opt/venv/bin/pip install --no-cache-dir .

FROM python:3.12-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OMP_NUM_THREADS=1 \
    MPLBACKEND=Agg
RUN useradd --create-home --uid 10001 latentsat \
    && mkdir -p /data /results \
    && chown latentsat:latentsat /data /results
COPY --from=build /opt/venv /opt/venv
WORKDIR /home/latentsat
USER 10001:10001
EXPOSE 8000
VOLUME ["/data", "/results"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["latentsat"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000", "--db", "/data/latentsat.db"]
