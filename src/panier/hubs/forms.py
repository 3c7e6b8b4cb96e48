"""Forms of the staff page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from panier.hubs.models import HubRole


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=HubRole.choices, initial=HubRole.SUPPORT)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=HubRole.choices)
