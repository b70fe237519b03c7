# Gunicorn reads this file from the directory it starts in (the checkout's root in the
# Procfile, the Dockerfile, the compose file and the systemd unit).
# Its access log masks Collect keys and phone numbers (config/gunicorn_logs.py).
logger_class = "config.gunicorn_logs.MaskedLogger"
