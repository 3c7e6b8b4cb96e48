"""The operator's refund form."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _


class RefundForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Refund"),
        choices=[("whole", _("The whole order (what is left of the payment)")), ("lines", _("Selected lines"))],
        widget=forms.RadioSelect,
        initial="lines",
    )
    lines = forms.TypedMultipleChoiceField(
        label=_("Lines"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(label=_("Reason (told to the customer)"), max_length=300)
    token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, order, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = [
            (line.pk, f"{line.quantity} × {line.product_name} {line.variant_label}") for line in order.lines.all()
        ]

    def clean(self):
        data = super().clean()
        if data.get("scope") == "lines" and not data.get("lines"):
            self.add_error("lines", _("Choose at least one line to refund."))
        return data
