# Production image: gunicorn for the web, the same image for Celery workers and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 DJANGO_ENV=production

# WeasyPrint needs Pango; DejaVu and Noto cover every Vietnamese glyph in the printed forms.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libffi8 \
      fonts-dejavu-core fonts-noto-core fontconfig curl tesseract-ocr tesseract-ocr-vie \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
RUN pip install --upgrade pip && pip install -c requirements.lock .
COPY . .
RUN DJANGO_SECRET_KEY=build-only-build-only-build-only-build-only-build-only DJANGO_ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 portal && mkdir -p /app/var/media && chown -R portal /app/var
USER portal
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--timeout", "60", "--access-logfile", "-"]
