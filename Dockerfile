FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 MEDIA_ROOT=/app/media STATIC_ROOT=/app/staticfiles
WORKDIR /app
# pg_dump/pg_restore for `manage.py backup_database` and `restore_drill` (same major version as the db service).
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client && rm -rf /var/lib/apt/lists/*
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
# collectstatic needs settings but no database or real secret.
RUN DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=build-only DATABASE_URL=postgres://x@localhost/x \
    python manage.py collectstatic --no-input
RUN useradd --create-home portal && mkdir -p /app/media && chown portal /app/media
USER portal
EXPOSE 8000
