"""Deliveries to the other Hulao deployments (api/federation.py), retried while the peer cannot be
reached; a refusal (4xx) or the last retry marks the delivery failed, shown on the lead's page and
the peers page. A failure that may pass is sent again by the hourly ``retry_failed_deliveries``
(beat), one attempt each time (``again``), at a growing interval, for ``federation.RETRY_FOR``."""

from celery import shared_task

from . import federation

#: Retries 1 min, 2, 4, 8 … apart (about 17 hours in all), then the delivery is marked failed.
MAX_RETRIES = 10


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True, time_limit=120, soft_time_limit=100)
def deliver_transfer(self, transfer_id: int, again: bool = False) -> str:
    try:
        return federation.deliver_transfer(transfer_id).state
    except federation.TryLater as exc:
        if again or self.request.retries >= self.max_retries or self.request.is_eager:
            return federation.transfer_failed(transfer_id, str(exc), may_pass=True).state
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from None


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True, time_limit=120, soft_time_limit=100)
def deliver_closure(self, arrival_id: int, again: bool = False) -> str:
    try:
        return federation.deliver_closure(arrival_id).report_state
    except federation.TryLater as exc:
        if again or self.request.retries >= self.max_retries or self.request.is_eager:
            return federation.closure_failed(arrival_id, str(exc), may_pass=True).report_state
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from None


@shared_task(time_limit=600, soft_time_limit=580)
def retry_failed_deliveries() -> int:
    """Periodic (hourly): send again the failed deliveries that may pass (``federation.retry_failed``)."""
    return federation.retry_failed()
