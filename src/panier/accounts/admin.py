from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from panier.accounts.models import Address, RecoveryCode, User


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Users log in with their e-mail address; roles come from hub and producer staff."""

    add_form = UserCreationForm
    form = UserEditForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_superuser", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "first_name", "last_name", "phone")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "phone")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),
    )
    inlines = [AddressInline]

    def get_inlines(self, request, obj):
        # The add page only asks for the login; addresses come afterwards.
        return self.inlines if obj is not None else []


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("user", "label", "first_name", "last_name", "postal_code", "city")
    search_fields = ("user__email", "last_name", "postal_code", "city")
    list_filter = ("country",)
    list_select_related = ("user",)
    autocomplete_fields = ("user",)


@admin.register(RecoveryCode)
class RecoveryCodeAdmin(admin.ModelAdmin):
    """Read-only: codes are shown once to their owner and stored hashed."""

    list_display = ("user", "created_at", "used_at")
    list_filter = ("used_at",)
    search_fields = ("user__email",)
    list_select_related = ("user",)
    fields = ("user", "created_at", "used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
