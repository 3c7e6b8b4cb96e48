"""Operator forms for schedules, closures, special days and zones."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from panier.delivery import rules
from panier.delivery.models import (
    Closure,
    PickupPoint,
    Schedule,
    SlotKind,
    SpecialDay,
    Weekday,
    Zone,
    ZoneKind,
)
from panier.hubs.models import Hub

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _WindowForm(forms.ModelForm):
    """Shared checks: pickup point of this hub for pickups, times in order."""

    def __init__(self, *args, hub: Hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = hub
        self.fields["pickup_point"].queryset = PickupPoint.objects.filter(hub=hub, is_active=True)
        self.fields["pickup_point"].required = False

    def clean(self) -> dict:
        data = super().clean()
        kind, point = data.get("kind"), data.get("pickup_point")
        if kind == SlotKind.PICKUP and point is None:
            self.add_error("pickup_point", _("Choose the pickup point of a pickup window."))
        if kind == SlotKind.DELIVERY and point is not None:
            self.add_error("pickup_point", _("A home delivery window has no pickup point."))
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The window must end after it starts (same day)."))
        cutoff_at, before = data.get("cutoff_time"), data.get("cutoff_days_before")
        if start and cutoff_at and before == 0 and cutoff_at > start:
            self.add_error("cutoff_time", _("On the same day, orders must close before the window starts."))
        if before is not None and before > 30:
            self.add_error("cutoff_days_before", _("Orders can close at most 30 days before."))
        return data

    def save(self, commit: bool = True):
        self.instance.hub = self.hub
        return super().save(commit=commit)


class ScheduleForm(_WindowForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"),
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one weekday.")},
    )

    class Meta:
        model = Schedule
        fields = [
            "kind", "pickup_point", "weekdays", "start_time", "end_time", "capacity",
            "cutoff_days_before", "cutoff_time", "valid_from", "valid_until", "is_active",
        ]
        widgets = {"start_time": TIME, "end_time": TIME, "cutoff_time": TIME, "valid_from": DATE, "valid_until": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["weekdays"] = sorted(self.instance.weekday_set())

    def clean_weekdays(self) -> str:
        return "".join(str(d) for d in sorted(set(self.cleaned_data["weekdays"])))

    def clean(self) -> dict:
        data = super().clean()
        first, last = data.get("valid_from"), data.get("valid_until")
        if first and last and last < first:
            self.add_error("valid_until", _("The end date cannot be before the start date."))
        return data


class ClosureForm(forms.ModelForm):
    class Meta:
        model = Closure
        fields = ["first_day", "last_day", "reason"]
        widgets = {"first_day": DATE, "last_day": DATE}

    def __init__(self, *args, hub: Hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = hub

    def clean(self) -> dict:
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", _("The last day cannot be before the first day."))
        return data

    def save(self, commit: bool = True):
        self.instance.hub = self.hub
        return super().save(commit=commit)


class SpecialDayForm(_WindowForm):
    class Meta:
        model = SpecialDay
        fields = [
            "day", "kind", "pickup_point", "start_time", "end_time", "capacity",
            "cutoff_days_before", "cutoff_time", "replaces", "note",
        ]
        widgets = {"day": DATE, "start_time": TIME, "end_time": TIME, "cutoff_time": TIME}


class ZoneForm(forms.ModelForm):
    polygon_text = forms.CharField(
        label=_("Polygon points"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One 'latitude, longitude' pair per line, at least three."),
    )

    class Meta:
        model = Zone
        fields = ["name", "kind", "postal_codes", "polygon_text", "radius_m", "priority", "fee_cents", "free_above_cents"]

    def __init__(self, *args, hub: Hub, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = hub
        self.fields["radius_m"].required = False
        if self.instance.pk and self.instance.polygon:
            self.initial["polygon_text"] = "\n".join(f"{lat}, {lon}" for lat, lon in self.instance.polygon)

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        if data.get("radius_m") is None:
            data["radius_m"] = 0
        if kind == ZoneKind.POSTAL_CODES:
            codes = (data.get("postal_codes") or "").replace(",", " ").split()
            if not codes:
                self.add_error("postal_codes", _("List at least one postal code."))
            bad = [c for c in codes if rules.normalise_postal_code(c) is None]
            if bad:
                self.add_error("postal_codes", _("Not a postal code: %(codes)s") % {"codes": ", ".join(bad)})
        elif kind == ZoneKind.POLYGON:
            try:
                data["polygon"] = [list(p) for p in rules.parse_polygon(data.get("polygon_text") or "")]
            except ValueError:
                self.add_error(
                    "polygon_text", _("Enter at least three 'latitude, longitude' pairs, one per line.")
                )
        elif kind == ZoneKind.RADIUS:
            if not data.get("radius_m"):
                self.add_error("radius_m", _("Enter a radius in metres."))
            if self.hub.latitude is None or self.hub.longitude is None:
                self.add_error("kind", _("Give the hub its coordinates before drawing a zone around it."))
        fee, free = data.get("fee_cents"), data.get("free_above_cents")
        if fee is not None and fee < 0:
            self.add_error("fee_cents", _("The fee cannot be negative."))
        if free is not None and free < 0:
            self.add_error("free_above_cents", _("The amount cannot be negative."))
        return data

    def save(self, commit: bool = True):
        self.instance.hub = self.hub
        self.instance.polygon = self.cleaned_data.get("polygon", []) if self.instance.kind == ZoneKind.POLYGON else []
        return super().save(commit=commit)
