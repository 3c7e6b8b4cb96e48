"""Subscription forms: sign-up, and the customer's changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from panier.core.errors import PanierError
from panier.delivery.models import Slot, SlotKind
from panier.delivery.selectors import zone_for_postal_code
from panier.subscriptions.models import Frequency, ShortagePolicy

#: How far ahead the slot lists reach.
SLOT_WINDOW_DAYS = 35


def _slot_label(slot: Slot) -> str:
    local = slot.starts_at.astimezone(ZoneInfo(slot.hub.timezone))
    when = formats.date_format(local, "l j F, H:i")
    place = slot.pickup_point.name if slot.pickup_point_id else _("home delivery")
    return f"{when} — {place}"


class SlotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Slot) -> str:
        return _slot_label(obj)


def upcoming_slots(hub, *, now: datetime):
    # A window rather than a slice: the field filters this queryset to
    # validate the choice, and a sliced queryset cannot be filtered.
    return (
        Slot.objects.filter(
            hub=hub, cutoff_at__gt=now, starts_at__lt=now + timedelta(days=SLOT_WINDOW_DAYS)
        )
        .select_related("hub", "pickup_point")
        .order_by("starts_at", "pk")
    )


class SlotForm(forms.Form):
    slot = SlotChoiceField(
        label=_("Slot"),
        queryset=Slot.objects.none(),
        help_text=_("Your deliveries follow this slot's weekday and time."),
        error_messages={"invalid_choice": _("Choose an upcoming slot of this shop.")},
    )

    def __init__(self, *args, hub, now: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = hub
        self.fields["slot"].queryset = upcoming_slots(hub, now=now)


class SubscribeForm(SlotForm):
    every_days = forms.TypedChoiceField(label=_("How often"), choices=Frequency.choices, coerce=int)
    shortage_policy = forms.ChoiceField(
        label=_("When a product is short"),
        choices=ShortagePolicy.choices,
        initial=ShortagePolicy.REDUCE,
    )
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=30)
    address_line1 = forms.CharField(label=_("Address"), max_length=200, required=False)
    address_line2 = forms.CharField(label=_("Address (continued)"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    accepted_terms = forms.BooleanField(
        label=_("I accept the terms of sale and agree that my card is charged for each delivery."),
        error_messages={"required": _("Please accept the terms to subscribe.")},
    )

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"]
        try:
            number = phonenumbers.parse(raw, "FR")
        except phonenumbers.NumberParseException:
            raise forms.ValidationError(_("Please enter a valid phone number.")) from None
        if not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(_("Please enter a valid phone number."))
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def clean(self):
        data = super().clean()
        slot = data.get("slot")
        if slot is not None and slot.kind == SlotKind.DELIVERY:
            for name in ("address_line1", "postal_code", "city"):
                if not (data.get(name) or "").strip():
                    self.add_error(name, _("Needed for home delivery."))
            if (data.get("postal_code") or "").strip():
                try:
                    zone_for_postal_code(hub=self.hub, postal_code=data["postal_code"])
                except PanierError as exc:
                    self.add_error("postal_code", exc.message)
        return data


class LinesForm(forms.Form):
    """One quantity field per line of the recurring basket (0 removes it)."""

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"qty_{line.pk}"] = forms.IntegerField(
                label=f"{line.variant.product.name} ({line.variant.label})",
                min_value=0,
                max_value=99,
                initial=line.quantity,
            )

    def quantities(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data[f"qty_{line.pk}"] for line in self.lines}


class SkipForm(forms.Form):
    cycle_on = forms.TypedChoiceField(label=_("Delivery"), coerce=date.fromisoformat)

    def __init__(self, *args, upcoming: list[date], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle_on"].choices = [
            (day.isoformat(), formats.date_format(day, "l j F Y")) for day in upcoming
        ]


class PauseForm(forms.Form):
    until = forms.DateField(
        label=_("Pause until (included)"),
        required=False,
        help_text=_("Leave empty to pause until you resume."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
