from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealercare.org.services import statutory_rows_parse, statutory_year_replace

from .errors import DomainError
from .models import AuditLog, CalendarYear, StatutoryDay


class WrittenByServicesAdmin(admin.ModelAdmin):
    """Shown, not added or edited: these records change through the pages and the API (the
    services), so that every change is validated, audit-logged and on the timeline."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(WrittenByServicesAdmin):
    """Never deleted from the admin either (history, personal data with consents)."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_repr", "ip_address", "store"]
    list_filter = ["action", "object_type", "store"]
    search_fields = ["object_repr", "object_id", "actor__username"]
    date_hierarchy = "at"


class StatutoryImportForm(forms.Form):
    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    file = forms.FileField(
        label=_("CSV 文件"),
        required=False,
        help_text=_(
            "每行“日期,类型,名称”，类型为 holiday/休 或 workday/班，如 2027-10-01,休,国庆节"
        ),
    )
    text = forms.CharField(
        label=_("或直接粘贴"), required=False, widget=forms.Textarea(attrs={"rows": 12, "cols": 60})
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload:
            try:
                cleaned["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", _("文件必须是 UTF-8 编码的 CSV。"))
        if not cleaned.get("text", "").strip() and not self.errors:
            self.add_error("text", _("请上传文件或粘贴内容。"))
        return cleaned


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "imported_at", "holiday_count", "workday_count"]
    change_list_template = "admin/core/calendaryear/change_list.html"

    @admin.display(description=_("节假日天数"))
    def holiday_count(self, obj):
        return StatutoryDay.objects.filter(date__year=obj.year, kind="holiday").count()

    @admin.display(description=_("调休上班天数"))
    def workday_count(self, obj):
        return StatutoryDay.objects.filter(date__year=obj.year, kind="workday").count()

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="core_calendaryear_import",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        this_year = timezone.localdate().year
        known = set(CalendarYear.objects.values_list("year", flat=True))
        missing = [year for year in (this_year, this_year + 1) if year not in known]
        extra_context = {**(extra_context or {}), "estimated_years": missing}
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = StatutoryImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                rows = statutory_rows_parse(
                    form.cleaned_data["text"], year=form.cleaned_data["year"]
                )
                statutory_year_replace(
                    year=form.cleaned_data["year"],
                    rows=rows,
                    actor=request.user,
                    source=_("国务院办公厅通知（管理员导入）"),
                )
            except DomainError as exc:
                form.add_error("file" if form.cleaned_data.get("file") else "text", exc.message)
            else:
                messages.success(
                    request,
                    _("已导入 %(year)s 年的 %(n)d 个日期。")
                    % {"year": form.cleaned_data["year"], "n": len(rows)},
                )
                return redirect("admin:core_calendaryear_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "opts": self.model._meta,
            "title": _("导入法定节假日"),
        }
        return render(request, "admin/core/calendaryear/import.html", context)


@admin.register(StatutoryDay)
class StatutoryDayAdmin(ReadOnlyAdmin):
    """Shown, not edited: a year changes as a whole through the import, which also tells every
    process to re-read the calendar."""

    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
