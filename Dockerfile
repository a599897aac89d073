# One image for all five services; docker-compose.yml picks the service by command.
FROM python:3.11-slim
ENV UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 PATH="/app/.venv/bin:$PATH"
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY shared shared
COPY services services
COPY deploy/embedded deploy/embedded
RUN uv sync --frozen --no-dev
RUN useradd --system --uid 10001 school
USER school
EXPOSE 8000
