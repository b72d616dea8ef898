def follow_up_on_delivery(sender, repair_order, at, **kwargs):
    """A delivered car gets its after-service follow-up at once; the scheduling run creates any
    that a crash between commit and this receiver left out."""
    from .services import follow_up_schedule_after_service

    follow_up_schedule_after_service(repair_order=repair_order)
