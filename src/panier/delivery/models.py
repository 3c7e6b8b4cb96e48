from django.db import models
from django.utils.translation import gettext_lazy as _

from panier.delivery import rules
from panier.hubs.models import Hub


class ZoneKind(models.TextChoices):
    POSTAL_CODES = "postal_codes", _("Postal codes")
    POLYGON = "polygon", _("Area drawn on the map (polygon)")
    RADIUS = "radius", _("Distance around the hub")


class Zone(models.Model):
    """An area a hub delivers to, with its fee.

    The area is a list of postal codes, a polygon of (latitude, longitude)
    points, or a radius around the hub. When several zones cover an address
    the lowest ``priority`` wins (see ``rules.zone_match``).
    """

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="zones")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("area defined by"), max_length=20, choices=ZoneKind.choices, default=ZoneKind.POSTAL_CODES
    )
    postal_codes = models.TextField(
        _("postal codes"), blank=True, help_text=_("Separated by commas or spaces, e.g. 06000, 06100")
    )
    polygon = models.JSONField(
        _("polygon"), default=list, blank=True, help_text=_("List of [latitude, longitude] points.")
    )
    radius_m = models.PositiveIntegerField(_("radius around the hub (metres)"), default=0)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("When zones overlap, the lowest number wins.")
    )
    fee_cents = models.BigIntegerField(_("delivery fee incl. VAT (cents)"), default=0)
    free_above_cents = models.BigIntegerField(
        _("free delivery from (cents)"), null=True, blank=True
    )

    class Meta:
        ordering = ["hub", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(fee_cents__gte=0), name="zone_fee_positive")
        ]

    def __str__(self) -> str:
        return f"{self.hub}: {self.name}"

    def postal_code_list(self) -> list[str]:
        return [c for c in self.postal_codes.replace(",", " ").split() if c]

    def shape(self) -> rules.ZoneShape:
        """Return the zone's area as a pure value for ``rules.zone_match``."""
        hub = self.hub
        centre = None
        if hub.latitude is not None and hub.longitude is not None:
            centre = (float(hub.latitude), float(hub.longitude))
        polygon: tuple[tuple[float, float], ...] = ()
        if self.kind == ZoneKind.POLYGON:
            polygon = tuple((float(p[0]), float(p[1])) for p in self.polygon or [])
        return rules.ZoneShape(
            key=self.pk,
            kind=self.kind,
            priority=self.priority,
            postal_codes=frozenset(self.postal_code_list()),
            polygon=polygon,
            centre=centre,
            radius_m=self.radius_m,
        )


class PickupPoint(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="pickup_points")
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=10)
    city = models.CharField(_("city"), max_length=100)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["hub", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"


class SlotKind(models.TextChoices):
    DELIVERY = "delivery", _("Home delivery")
    PICKUP = "pickup", _("Pickup")


class Slot(models.Model):
    """A delivery or pickup window with a capacity and an order cut-off.

    ``booked`` only changes through conditional updates in
    ``delivery.services``; the constraint backs them up.
    """

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="slots")
    kind = models.CharField(max_length=10, choices=SlotKind.choices)
    pickup_point = models.ForeignKey(
        PickupPoint, on_delete=models.CASCADE, null=True, blank=True, related_name="slots"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    cutoff_at = models.DateTimeField(_("orders close at"))
    capacity = models.PositiveIntegerField(_("capacity (orders)"))
    booked = models.PositiveIntegerField(_("orders booked"), default=0)
    origin = models.CharField(
        max_length=40,
        blank=True,
        default="",
        help_text=_("The schedule or special day that generated the slot; empty for a slot made by hand."),
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["hub", "kind", "starts_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["hub", "origin"], condition=~models.Q(origin=""), name="slot_generated_once"
            ),
            models.CheckConstraint(
                condition=models.Q(booked__lte=models.F("capacity")), name="slot_not_overbooked"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(cutoff_at__lte=models.F("starts_at")), name="slot_cutoff_before_start"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="pickup", pickup_point__isnull=False)
                    | models.Q(kind="delivery", pickup_point__isnull=True)
                ),
                name="slot_pickup_point_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def remaining(self) -> int:
        return self.capacity - self.booked


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WindowFields(models.Model):
    """What a regular or one-off window shares: kind, place, times, capacity, cut-off."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=SlotKind.choices)
    pickup_point = models.ForeignKey(
        PickupPoint, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("pickup point"),
    )
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("to"))
    capacity = models.PositiveIntegerField(_("capacity (orders per slot)"))
    cutoff_days_before = models.PositiveSmallIntegerField(
        _("orders close (days before)"), default=1
    )
    cutoff_time = models.TimeField(_("orders close at (local time)"))

    class Meta:
        abstract = True

    def cutoff(self) -> rules.Cutoff:
        return rules.Cutoff(days_before=self.cutoff_days_before, at=self.cutoff_time)


class Schedule(WindowFields):
    """A recurring delivery or pickup window, e.g. Saturday 9:00-12:00,
    orders closing Thursday 18:00 (``cutoff_days_before=2``)."""

    weekdays = models.CharField(
        _("weekdays"), max_length=7, help_text=_("Digits 0 (Monday) to 6 (Sunday), e.g. 25.")
    )
    valid_from = models.DateField(_("from date"), null=True, blank=True)
    valid_until = models.DateField(_("until date"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["hub", "kind", "weekdays", "start_time", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")), name="schedule_ends_after_start"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="pickup", pickup_point__isnull=False)
                    | models.Q(kind="delivery", pickup_point__isnull=True)
                ),
                name="schedule_pickup_point_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        days = ", ".join(str(Weekday(int(d)).label) for d in self.weekdays)
        return f"{self.get_kind_display()} {days} {self.start_time:%H:%M}-{self.end_time:%H:%M}"

    def weekday_set(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.weekdays if d.isdigit() and int(d) < 7)

    def window(self) -> rules.Window:
        return rules.Window(
            key=f"s{self.pk}",
            kind=self.kind,
            pickup_point_id=self.pickup_point_id,
            weekdays=self.weekday_set(),
            start=self.start_time,
            end=self.end_time,
            capacity=self.capacity,
            cutoff=self.cutoff(),
            valid_from=self.valid_from,
            valid_until=self.valid_until,
        )


class Closure(models.Model):
    """Days the hub is closed (holidays, public holidays); the reason is shown to customers."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="closures")
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    reason = models.CharField(_("reason shown to customers"), max_length=200)

    class Meta:
        ordering = ["hub", "first_day"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")), name="closure_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_day}–{self.last_day}: {self.reason}"

    def rule(self) -> rules.Closure:
        return rules.Closure(first_day=self.first_day, last_day=self.last_day, reason=self.reason)


class SpecialDay(WindowFields):
    """A one-off window on a given day: an extra opening, or one that replaces
    the regular windows of its kind (and pickup point) that day."""

    day = models.DateField(_("day"))
    replaces = models.BooleanField(
        _("replaces the regular windows of that day"), default=False
    )
    note = models.CharField(_("note shown to customers"), max_length=200, blank=True)

    class Meta:
        ordering = ["hub", "day", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")), name="specialday_ends_after_start"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="pickup", pickup_point__isnull=False)
                    | models.Q(kind="delivery", pickup_point__isnull=True)
                ),
                name="specialday_pickup_point_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"

    def window(self) -> rules.SpecialWindow:
        return rules.SpecialWindow(
            key=f"x{self.pk}",
            day=self.day,
            kind=self.kind,
            pickup_point_id=self.pickup_point_id,
            start=self.start_time,
            end=self.end_time,
            capacity=self.capacity,
            cutoff=self.cutoff(),
            replaces=self.replaces,
        )
