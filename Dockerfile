# Hulao's image for docker-compose.yml: web (gunicorn), worker and beat share it.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production \
    HULAO_VAR_DIR=/var/lib/hulao STATIC_ROOT=/app/staticfiles
RUN apt-get update && apt-get install -y --no-install-recommends gettext nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock package.json package-lock.json ./
RUN pip install --no-cache-dir -r requirements.lock && npm ci --omit=dev --no-audit --no-fund
COPY . .
RUN SECRET_KEY=build ALLOWED_HOSTS=build FIELD_ENCRYPTION_KEY=q8mJ7m3S6d0F1wE5C2rU9Y4b1p0z8X7v6T5s4R3q2P0= \
    FIELD_HASH_KEY=build python manage.py compilemessages --ignore=node_modules \
    && SECRET_KEY=build ALLOWED_HOSTS=build FIELD_ENCRYPTION_KEY=q8mJ7m3S6d0F1wE5C2rU9Y4b1p0z8X7v6T5s4R3q2P0= \
    FIELD_HASH_KEY=build python manage.py collectstatic --noinput -v0
# /var/lib/hulao is the data volume (uploads, report files) shared by every web and worker replica.
RUN useradd --system --home /app hulao && mkdir -p /var/lib/hulao/media && chown -R hulao /var/lib/hulao
USER hulao
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
