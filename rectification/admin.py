"""Admin: the grade settings are edited here (labels, inspection intervals); everything else is
read-only, because writes go through the services (rules, history, audit)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import ContingencyPlan, GradeChange, Inspection, Institution, Measure, Problem, RiskGradeSetting


@admin.register(RiskGradeSetting)
class RiskGradeSettingAdmin(admin.ModelAdmin):
    list_display = ["grade", "label", "inspection_interval_days"]
    ordering = ["grade"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Institution)
class InstitutionAdmin(ReadOnlyAdmin):
    list_display = ["name", "credit_code", "sector", "supervising_unit", "community", "risk_grade", "status"]
    list_filter = ["risk_grade", "sector", "status", "supervising_unit"]
    search_fields = ["name", "credit_code"]
    list_select_related = ["supervising_unit", "community"]


@admin.register(GradeChange)
class GradeChangeAdmin(ReadOnlyAdmin):
    list_display = ["institution", "from_grade", "to_grade", "changed_by", "changed_at", "reason"]
    list_select_related = ["institution", "changed_by"]
    search_fields = ["institution__name"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["institution", "date", "unit", "inspectors"]
    list_select_related = ["institution", "unit"]
    search_fields = ["institution__name"]


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdmin):
    list_display = ["institution", "category", "owner_unit", "status", "horizon", "raised_at"]
    list_filter = ["status", "category", "horizon"]
    list_select_related = ["institution", "owner_unit"]
    search_fields = ["institution__name", "description"]
    inlines = [MeasureInline]


@admin.register(ContingencyPlan)
class ContingencyPlanAdmin(ReadOnlyAdmin):
    list_display = ["title", "institution", "lead_unit", "status", "review_date"]
    list_select_related = ["institution", "lead_unit"]
