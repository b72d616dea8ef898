"""Call scripts (话术) per follow-up kind, with extra questions on the store's weakest survey
items once survey results exist (the surveys issue provides `weakest_items`)."""

from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import FollowUpTask

Kind = FollowUpTask.Kind

SCRIPTS = {
    Kind.AFTER_SERVICE: [
        _(
            "您好，我是{store}的客服专员{agent}，感谢您{date}到店{job}。耽误您一分钟做个回访可以吗？"
        ),
        _("这次服务顾问{advisor}的接待和讲解您满意吗？"),
        _("车辆维修/保养后使用情况正常吗？交车时间符合约定吗？"),
        _("费用和项目在交车前有没有向您解释清楚？"),
        _("您对本次服务总体是否满意？还有什么需要我们改进的吗？"),
    ],
    Kind.AFTER_SALE: [
        _("您好，我是{store}的客服专员{agent}，恭喜您提车！新车使用还顺利吗？"),
        _("销售顾问交车时是否为您讲解了车辆功能和首保时间？"),
        _("您对购车和交车过程总体满意吗？"),
    ],
    Kind.COMPLAINT_CLOSURE: [
        _("您好，我是{store}的客服专员{agent}，想了解一下您反映的问题现在是否已经解决？"),
        _("您对我们的处理过程和结果是否满意？"),
    ],
    Kind.REMINDER_CALL: [
        _("您好，我是{store}的客服专员{agent}。您的爱车{plate}快到保养时间了，需要帮您预约吗？"),
    ],
    Kind.RENEWAL_CALL: [
        _(
            "您好，我是{store}的客服专员{agent}。您的爱车{plate}的保险即将到期，需要为您报价续保吗？"
        ),
    ],
    Kind.HOME_VISIT: [
        _(
            "您好，我是{store}的客服专员{agent}，我们正在做老客户回访，想约个时间上门拜访您，方便吗？"
        ),
    ],
}


def script_lines(task: FollowUpTask, *, agent_name: str, weakest_items=()) -> list[str]:
    repair_order = task.repair_order
    delivered = (
        timezone.localtime(repair_order.delivered_at, ZoneInfo(task.store.time_zone))
        if repair_order and repair_order.delivered_at
        else None
    )
    values = {
        "store": task.store.name,
        "agent": agent_name,
        # The store's own date (a 07:30 delivery in Beijing is the day before in UTC).
        "date": f"{delivered.month}月{delivered.day}日" if delivered else "",
        "job": repair_order.get_job_type_display() if repair_order else "",
        "advisor": getattr(
            getattr(getattr(repair_order, "advisor", None), "staff_profile", None),
            "display_name",
            "",
        )
        if repair_order
        else "",
        "plate": task.vehicle.plate if task.vehicle else "",
    }
    lines = [str(line).format(**values) for line in SCRIPTS[Kind(task.kind)]]
    for item in weakest_items:
        lines.append(str(_("（本店近期薄弱项）关于“{item}”，您这次的感受如何？")).format(item=item))
    return lines
