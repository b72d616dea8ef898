from django.contrib import admin

from .models import Item, Questionnaire, ThirdPartyRating


class ItemInline(admin.TabularInline):
    model = Item
    extra = 0


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["code", "version", "name", "kind", "status", "store"]
    list_filter = ["kind", "status"]
    inlines = [ItemInline]

    def get_readonly_fields(self, request, obj=None):
        # A questionnaire that has answers is never edited in place (answers keep their meaning).
        if obj is not None and obj.responses.exists():
            return [f.name for f in obj._meta.fields]
        return []


@admin.register(ThirdPartyRating)
class ThirdPartyRatingAdmin(admin.ModelAdmin):
    list_display = ["rated_on", "store", "platform", "rating", "plate"]
    list_filter = ["platform", "store"]
