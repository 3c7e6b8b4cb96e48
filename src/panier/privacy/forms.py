"""Forms of the GDPR pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from panier.hubs.models import Hub
from panier.privacy.models import Breach


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    confirm = forms.BooleanField(label=_("I understand that my account and my personal data will be erased."))


class NewsletterForm(forms.Form):
    hub = forms.ModelChoiceField(label=_("Shop"), queryset=Hub.objects.filter(is_active=True), empty_label=None)
    agree = forms.BooleanField(label=_("I agree to receive this shop's newsletter by e-mail."))


class BreachForm(forms.ModelForm):
    class Meta:
        model = Breach
        fields = [
            "detected_at", "nature", "data_categories", "people_affected", "records_affected", "consequences",
            "measures", "risk", "cnil_notified_at", "delay_reason", "people_notified_at",
        ]
        widgets = {
            "detected_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "cnil_notified_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "people_notified_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "nature": forms.Textarea(attrs={"rows": 3}),
            "data_categories": forms.Textarea(attrs={"rows": 2}),
            "consequences": forms.Textarea(attrs={"rows": 2}),
            "measures": forms.Textarea(attrs={"rows": 3}),
            "delay_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("detected_at", "cnil_notified_at", "people_notified_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]

    def clean(self):
        data = super().clean()
        detected = data.get("detected_at")
        for name in ("cnil_notified_at", "people_notified_at"):
            value = data.get(name)
            if detected and value and value < detected:
                self.add_error(name, _("A notification cannot come before the breach was detected."))
        return data
