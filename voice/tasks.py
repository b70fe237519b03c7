"""Callbacks through Celery. Tasks take ids and are safe to run twice."""

from celery import shared_task

from voice import callbacks


class CallbackLater(Exception):
    """Twilio was busy or unreachable before it took the call: try again."""


@shared_task(
    acks_late=True,
    autoretry_for=(CallbackLater,),
    retry_backoff=2,
    retry_backoff_max=30,
    max_retries=5,
)
def place_callback(call_id: int) -> str:
    result = callbacks.place(call_id)
    if result == callbacks.RETRY:
        raise CallbackLater(f"callback {call_id} will be retried")
    return str(result)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def tell_operators(refused_id: int) -> int:
    return callbacks.tell_operators(refused_id)


@shared_task(acks_late=True)
def sweep_callbacks() -> dict[str, int]:
    return callbacks.sweep()
