"""The ready questionnaires every group starts with (CSI after service, SSI after a sale, a
short NPS), created once after migrate."""

TEMPLATES = {
    "csi-service": (
        "售后服务满意度调查",
        "csi",
        [
            ("服务顾问的接待是否热情、专业？", "scale5", "1.5", "attitude"),
            ("预约、接车和交车是否及时？", "scale5", "1.0", "efficiency"),
            ("维修/保养质量是否让您放心？", "scale5", "2.0", "quality"),
            ("结算前费用和项目是否解释清楚？", "scale5", "1.5", "price_transparency"),
            ("休息区等候环境是否舒适？", "scale5", "1.0", "environment"),
            ("您有多大可能向亲友推荐我们？", "recommend", "1", ""),
            ("还有什么想告诉我们的？", "text", "1", ""),
        ],
    ),
    "ssi-sale": (
        "新车销售满意度调查",
        "ssi",
        [
            ("销售顾问是否专业、热情？", "scale5", "1.5", "attitude"),
            ("试驾和购车流程是否顺畅？", "scale5", "1.0", "efficiency"),
            ("交车时的车辆状况和讲解是否满意？", "scale5", "1.5", "quality"),
            ("价格和费用是否透明？", "scale5", "1.0", "price_transparency"),
            ("您有多大可能向亲友推荐我们？", "recommend", "1", ""),
        ],
    ),
    "nps-short": (
        "净推荐值调查",
        "nps",
        [
            ("您有多大可能向亲友推荐我们？", "recommend", "1", ""),
            ("主要原因是什么？", "text", "1", ""),
        ],
    ),
}


def templates_seed(sender=None, using="default", apps=None, **kwargs):
    if apps is None:  # a flush (transactional tests) sends no app registry: use the live one
        from django.apps import apps
    try:
        questionnaire_model = apps.get_model("surveys", "Questionnaire")
        item_model = apps.get_model("surveys", "Item")
    except LookupError:
        return
    for code, (name, kind, items) in TEMPLATES.items():
        if questionnaire_model.objects.using(using).filter(code=code).exists():
            continue
        questionnaire = questionnaire_model.objects.using(using).create(
            code=code, version=1, name=name, kind=kind, status="active"
        )
        item_model.objects.using(using).bulk_create(
            item_model(
                questionnaire=questionnaire,
                position=position,
                text=text,
                item_type=item_type,
                weight=weight,
                dimension=dimension,
                required=item_type != "text",
            )
            for position, (text, item_type, weight, dimension) in enumerate(items, start=1)
        )
