FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# Pango for WeasyPrint (the printable patient report as PDF).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Collected with the production settings (DEBUG off): hashed names, a manifest, gzip and
# Brotli copies. The key only lets the settings load for this build step; the running
# container gets its own DJANGO_SECRET_KEY from the environment.
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=collectstatic-build-step-only \
    python manage.py collectstatic --noinput
# The import upload folder exists in the image, so a fresh volume mounted there
# belongs to the app user too.
RUN mkdir -p /app/var/imports && useradd --system --home /app registry && chown -R registry /app
USER registry
EXPOSE 8000
# Synchronous workers, two per CPU plus one (WEB_WORKERS; WEB_THREADS > 1 for threaded
# ones): see config/gunicorn.py. Put a buffering reverse proxy in front in production.
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
