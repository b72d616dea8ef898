def invitation_on_delivery(sender, repair_order, at, **kwargs):
    """The owner is invited to the CSI survey the day after delivery (sent by the periodic job)."""
    from .models import Invitation
    from .services import INVITATION_DELAY, invitation_create

    invitation_create(
        store=repair_order.store,
        customer=repair_order.customer,
        channel=Invitation.Channel.SMS_LINK,
        repair_order=repair_order,
        send_after=at + INVITATION_DELAY,
        source_key=f"sms_link:repair_order:{repair_order.pk}",
    )
