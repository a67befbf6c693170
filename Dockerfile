FROM python:3.11-slim-bookworm

# WeasyPrint's libraries (HarfBuzz with its subsetting library), CJK fonts, gettext.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    libharfbuzz-subset0 fonts-noto-cjk fonts-wqy-microhei gettext zbar-tools \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY skilleval skilleval
COPY institutions institutions
COPY certificates certificates
COPY competitions competitions
COPY audits audits
COPY templates templates
COPY static static
COPY locale locale
COPY manage.py ./
RUN pip install --no-cache-dir . \
 && DJANGO_SETTINGS_MODULE=skilleval.settings.test python manage.py compilemessages --ignore=/usr

RUN useradd --create-home skilleval && mkdir -p /data/media /audit /app/staticfiles \
 && chown -R skilleval /data /audit /app/staticfiles
USER skilleval
EXPOSE 8000
