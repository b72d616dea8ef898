from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from .models import (
    ApiToken,
    BusinessPeriod,
    DealerGroup,
    Department,
    StaffProfile,
    Store,
    StoreCalendarOverride,
)


@admin.register(DealerGroup)
class DealerGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


class BusinessPeriodInline(admin.TabularInline):
    model = BusinessPeriod
    extra = 0


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0
    raw_id_fields = ["supervisor"]


class StoreCalendarOverrideInline(admin.TabularInline):
    model = StoreCalendarOverride
    extra = 0


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "brand", "province", "city", "plate_prefix", "is_active"]
    list_filter = ["group", "province", "is_active"]
    search_fields = ["code", "name", "city"]
    inlines = [BusinessPeriodInline, DepartmentInline, StoreCalendarOverrideInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["store", "kind", "supervisor"]
    list_filter = ["kind", "store"]


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    fk_name = "user"


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "display_name", "store", "roles", "is_active", "is_staff"]
    list_filter = ["groups", "staff_profile__store", "is_active"]
    list_select_related = ["staff_profile__store"]

    @admin.display(description="姓名")
    def display_name(self, user):
        return getattr(getattr(user, "staff_profile", None), "display_name", "")

    @admin.display(description="门店")
    def store(self, user):
        profile = getattr(user, "staff_profile", None)
        return profile.store if profile and profile.store else "集团总部"

    @admin.display(description="角色")
    def roles(self, user):
        return ", ".join(group.name for group in user.groups.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "expires_at", "last_used_at"]
    readonly_fields = ["user", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False
