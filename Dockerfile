# The service's image: the same code for web, workers and beat (see docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv/agriprices
# The voice line: espeak-ng speaks the clips not recorded, sox normalises every clip,
# opusdec (opus-tools) decodes Opus recordings for it.
RUN apt-get update && apt-get install -y --no-install-recommends espeak-ng sox libsox-fmt-mp3 \
    opus-tools \
 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# Hashed static files, served by WhiteNoise; the key is only for this build step.
RUN DEBUG=false SECRET_KEY=build-only ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
 && useradd --system --home /srv/agriprices agriprices \
 && mkdir -p /var/spool/agriprices /var/lib/agriprices/voice-clips \
 && chown agriprices /var/spool/agriprices /var/lib/agriprices/voice-clips
ENV VOICE_CLIPS_DIR=/var/lib/agriprices/voice-clips
USER agriprices
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--workers", "3", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
