"""Excel downloads: the closure report of one complaint and the weekly quality-meeting report."""

import io
from zoneinfo import ZoneInfo

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from .models import Complaint

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def _book(title: str):
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 80
    return book, sheet


def _local(moment, tz, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) moment on the store's wall clock."""
    return timezone.localtime(moment, tz).strftime(pattern) if moment else ""


def _event_line(event, tz) -> str:
    status = Complaint.Status(event.to_status).label if event.to_status else ""
    return f"{_local(event.at, tz, '%m-%d %H:%M')} {status} {event.note}".strip()


def closure_report_xlsx(complaint: Complaint) -> bytes:
    """问题原因、处理过程、整改措施 — the closure report as one sheet."""
    tz = ZoneInfo(complaint.store.time_zone)
    book, sheet = _book("结案报告")
    sheet.append([f"投诉结案报告 {complaint.number}"])
    sheet["A1"].font = Font(bold=True, size=14)
    rows = [
        ("门店", complaint.store.name),
        ("客户", complaint.customer.name),
        ("车辆", complaint.vehicle.plate if complaint.vehicle else ""),
        (
            "来源 / 类别 / 级别",
            f"{complaint.get_source_display()} / {complaint.get_category_display()} / "
            f"{complaint.get_severity_display()}",
        ),
        ("登记时间", _local(complaint.created_at, tz)),
        ("结案时间", _local(complaint.closed_at, tz)),
        ("投诉内容", complaint.description),
        ("问题原因", complaint.root_cause),
        (
            "处理过程",
            "\n".join(_event_line(e, tz) for e in complaint.events.order_by("at", "id")),
        ),
        ("处理方案", complaint.resolution),
        ("整改措施", complaint.corrective_action),
        (
            "补偿",
            "；".join(f"{c.get_kind_display()} ¥{c.amount}" for c in complaint.compensations.all()),
        ),
    ]
    for label, value in rows:
        sheet.append([label, value])
        sheet.cell(row=sheet.max_row, column=1).font = BOLD
        sheet.cell(row=sheet.max_row, column=2).alignment = WRAP
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def weekly_report_xlsx(report: dict, labels: dict) -> bytes:
    book, sheet = _book("周质量例会")
    sheet.append([f"投诉周报 {report['week_start']:%Y-%m-%d} 起"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["投诉总数", report["total"]])
    for title, key, field in [
        ("按类别", "by_category", "category"),
        ("按级别", "by_severity", "severity"),
        ("按部门", "by_department", "tickets__department__kind"),
    ]:
        sheet.append([])
        sheet.append([title])
        sheet.cell(row=sheet.max_row, column=1).font = BOLD
        for row in report[key]:
            sheet.append([labels.get(row[field], row[field]), row["n"]])
    sheet.append([])
    cycle = report["cycle_time"]
    for label, value in [
        ("平均处理时长（小时）", cycle["mean"]),
        ("P90 处理时长（小时）", cycle["p90"]),
        ("按时解决率", report["on_time_rate"]),
        ("重复投诉率", report["repeat_rate"]),
        ("补偿金额（元）", report["compensation_total"]),
    ]:
        sheet.append([label, float(value) if value is not None else "—"])
    sheet.append([])
    sheet.append(["超期未解决"])
    sheet.cell(row=sheet.max_row, column=1).font = BOLD
    for complaint in report["overdue"]:
        due = _local(complaint.resolution_due, ZoneInfo(complaint.store.time_zone), "%m-%d %H:%M")
        sheet.append(
            [
                complaint.number,
                f"{complaint.customer.name} {complaint.get_category_display()} 截止 {due}",
            ]
        )
    sheet.append([])
    sheet.append(["问题原因"])
    sheet.cell(row=sheet.max_row, column=1).font = BOLD
    for number, cause in report["root_causes"]:
        sheet.append([number, cause])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
