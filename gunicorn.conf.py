# Gunicorn reads this file from the directory it starts in (the checkout's root in the
# Procfile, the Dockerfile, the compose file and the systemd unit).
# Its access log masks Collect keys and phone numbers (config/gunicorn_logs.py).
logger_class = "config.gunicorn_logs.MaskedLogger"


def post_worker_init(worker: object) -> None:
    """Freeze what a worker has loaded (Django, the apps and, read here rather than at
    the first request, every view the URLconf names): it lives as long as the worker,
    and frozen, the collector's full passes no longer walk it. A report built of
    thousands of objects triggers such passes; over the whole heap each took ~70 ms
    (``python -m bench collection``), now they walk only what requests hold."""
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module now
    gc.freeze()
