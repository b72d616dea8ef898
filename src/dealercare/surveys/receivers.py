def invitation_on_delivery(sender, repair_order, at, **kwargs):
    """The owner is invited to the CSI survey the day after delivery (sent by the periodic job).

    Runs after the delivery's commit: a store without an active CSI questionnaire simply gets
    no invitation (raising here would turn a committed delivery into an error for the user)."""
    from .models import Invitation
    from .services import INVITATION_DELAY, active_questionnaire, invitation_create

    questionnaire = active_questionnaire(repair_order.store)
    if questionnaire is None:
        return
    invitation_create(
        store=repair_order.store,
        customer=repair_order.customer,
        channel=Invitation.Channel.SMS_LINK,
        questionnaire=questionnaire,
        repair_order=repair_order,
        send_after=at + INVITATION_DELAY,
        source_key=f"sms_link:repair_order:{repair_order.pk}",
    )
