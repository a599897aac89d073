# One image for all five services; docker-compose.yml picks the service by command.
FROM python:3.11-slim
ENV UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 PATH="/app/.venv/bin:$PATH"
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
# The workspace root and its lock, and the packages the services are made of. The other
# workspace members (the embedded launcher, the local cluster, the benchmarks) are not in
# the image: `--package` syncs only the five services and what they depend on (shared).
# tests/deploy/test_dockerfile.py runs this install step on exactly these files.
COPY pyproject.toml uv.lock ./
COPY shared shared
COPY services services
RUN uv sync --frozen --no-dev --package auth --package journal --package messaging --package reporting --package archive
RUN useradd --system --uid 10001 school
USER school
EXPOSE 8000
