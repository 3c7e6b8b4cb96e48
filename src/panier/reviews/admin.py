"""Reviews in the admin are read-only: decisions go through the moderation queue,
which logs them, tells the author and refreshes the cached product pages."""

from django.contrib import admin

from panier.reviews.models import ModerationDecision, Review, ReviewReply, ReviewReport


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DecisionInline(admin.TabularInline):
    model = ModerationDecision
    extra = 0
    can_delete = False
    fields = ("decision", "reason", "note", "flags", "actor", "decided_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("pk", "hub", "product", "rating", "status", "created_at", "published_at")
    list_filter = ("status", "hub")
    search_fields = ("title", "body", "author_name")
    exclude = ("network_hash", "device_hash")
    inlines = [DecisionInline]


@admin.register(ReviewReport)
class ReviewReportAdmin(ReadOnlyAdmin):
    list_display = ("pk", "review", "reason", "created_at", "resolved_at")
    list_filter = ("reason",)


@admin.register(ReviewReply)
class ReviewReplyAdmin(ReadOnlyAdmin):
    list_display = ("pk", "review", "producer", "created_at")


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(ReadOnlyAdmin):
    list_display = ("pk", "review", "decision", "reason", "decided_at")
    list_filter = ("decision", "reason")
