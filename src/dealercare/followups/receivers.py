import logging

logger = logging.getLogger(__name__)


def follow_up_on_delivery(sender, repair_order, at, **kwargs):
    """A delivered car gets its after-service follow-up at once; the scheduling run creates any
    that a crash between commit and this receiver left out.

    Runs after the delivery has committed: a failure here must not turn the advisor's
    successful delivery into an error page, nor stop the other receivers of the signal. It is
    logged and the hourly scheduling run creates the task (the database is the truth)."""
    from .services import follow_up_schedule_after_service

    try:
        follow_up_schedule_after_service(repair_order=repair_order)
    except Exception:
        logger.exception(
            "follow-up for repair order %s not created; the scheduling run will create it",
            repair_order.pk,
        )
