import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from panier.hubs.models import Hub
from panier.orders.models import Order


class Vehicle(models.Model):
    """A hub's van or bike: what it carries and when its driver works."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="vehicles")
    name = models.CharField(_("name"), max_length=100)
    capacity_kg = models.PositiveIntegerField(_("capacity (kg)"), default=500)
    capacity_crates = models.PositiveIntegerField(_("capacity (crates or bags)"), default=60)
    shift_start = models.TimeField(_("shift starts"), default=datetime.time(7, 0))
    shift_end = models.TimeField(_("shift ends"), default=datetime.time(21, 0))
    is_active = models.BooleanField(_("in service"), default=True)

    class Meta:
        ordering = ["hub", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(shift_end__gt=models.F("shift_start")), name="vehicle_shift_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RoundPlan(models.Model):
    """The rounds of one hub for one delivery day; planning again replaces it."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="round_plans")
    day = models.DateField()
    solver = models.CharField(max_length=20)
    travel_source = models.CharField(max_length=40)
    compute_ms = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list)
    unserved = models.JSONField(default=list, help_text=_("Orders left out, with the reason."))
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hub", "day"], name="roundplan_one_per_day")]

    def __str__(self) -> str:
        return f"{self.hub} {self.day}"


class Round(models.Model):
    plan = models.ForeignKey(RoundPlan, on_delete=models.CASCADE, related_name="rounds")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="rounds")
    depart_at = models.DateTimeField()
    return_at = models.DateTimeField()
    driving_s = models.PositiveIntegerField(default=0)
    weight_g = models.PositiveIntegerField(default=0)
    crates = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "vehicle__name", "pk"]

    def __str__(self) -> str:
        return f"{self.vehicle} {self.plan.day}"


class StopStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Not delivered")


class Stop(models.Model):
    """One order's place in a round."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="stops")
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="stop")
    position = models.PositiveIntegerField()
    eta = models.DateTimeField()
    travel_s = models.PositiveIntegerField(default=0)
    is_late = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=StopStatus.choices, default=StopStatus.PLANNED)
    failure_reason = models.CharField(_("reason"), max_length=200, blank=True)
    photo = models.ImageField(_("photo"), upload_to="rounds/%Y/%m/", blank=True)
    eta_sent_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["round", "position"]

    def __str__(self) -> str:
        return f"{self.round_id}#{self.position} {self.order_id}"
