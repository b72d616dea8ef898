"""The monthly CSI analysis table per store (Excel): per item, per advisor, month on month."""

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from .selectors import previous_month, survey_results

BOLD = Font(bold=True)


def monthly_csi_xlsx(*, actor, store, month) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "CSI月度分析"
    current = survey_results(actor=actor, store_id=store.pk, month=month, group_by="item")
    before = survey_results(
        actor=actor, store_id=store.pk, month=previous_month(month), group_by="item"
    )
    sheet.append([f"{store.name} CSI 月度分析 {current['month']:%Y-%m}"])
    sheet["A1"].font = Font(bold=True, size=14)

    def number(value):
        return float(value) if value is not None else None

    sheet.append(["CSI", number(current["csi"]), "上月", number(before["csi"])])
    sheet.append(["NPS", number(current["nps"]), "上月", number(before["nps"])])
    sheet.append(["答复数", current["responses"], "回收率", number(current["response_rate"])])
    sheet.append([])
    sheet.append(["题目", "本月", "上月", "环比变化", "答题数"])
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
    previous = {row["key"]: row["csi"] for row in before["rows"]}
    for row in current["rows"]:
        last = previous.get(row["key"])
        change = row["csi"] - last if row["csi"] is not None and last is not None else None
        sheet.append(
            [row["label"], number(row["csi"]), number(last), number(change), row["answers"]]
        )
    sheet.append([])
    sheet.append(["服务顾问", "CSI", "NPS", "答复数"])
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
    by_advisor = survey_results(actor=actor, store_id=store.pk, month=month, group_by="advisor")
    for row in by_advisor["rows"]:
        sheet.append([row["label"], number(row["csi"]), number(row.get("nps")), row["answers"]])
    sheet.column_dimensions["A"].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
