from django.db import models
from django.utils.translation import gettext_lazy as _

from panier.hubs.models import Hub


class AdmissionMode(models.TextChoices):
    AUTO = "auto", _("Automatic (by measured load)")
    FORCED_ON = "on", _("Always on")
    OFF = "off", _("Off")


class TrafficSettings(models.Model):
    """Installation-wide switches for the protections (one row)."""

    admission_mode = models.CharField(
        _("waiting room"), max_length=10, choices=AdmissionMode.choices, default=AdmissionMode.AUTO
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("traffic settings")
        verbose_name_plural = _("traffic settings")

    def __str__(self) -> str:
        return f"waiting room: {self.admission_mode}"


class GeoAction(models.TextChoices):
    ALLOW = "allow", _("Allow")
    INTERSTITIAL = "interstitial", _("Show the 'wrong shop?' page")
    REFUSE = "refuse", _("Refuse (403)")


class HubGeoPolicy(models.Model):
    """How one hub treats new visitors from other countries."""

    hub = models.OneToOneField(Hub, on_delete=models.CASCADE, related_name="geo_policy")
    default_action = models.CharField(
        _("countries not listed"), max_length=20, choices=GeoAction.choices, default=GeoAction.ALLOW
    )
    delivery_area = models.CharField(
        _("where the hub delivers"), max_length=200, blank=True, help_text=_("e.g. Nice and its surroundings")
    )
    other_site_label = models.CharField(_("name of the site visitors may be looking for"), max_length=100, blank=True)
    other_site_url = models.URLField(_("link to that site"), blank=True)

    class Meta:
        verbose_name = _("geo policy")

    def __str__(self) -> str:
        return f"{self.hub}: {self.default_action}"


class CountryRule(models.Model):
    policy = models.ForeignKey(HubGeoPolicy, on_delete=models.CASCADE, related_name="rules")
    country = models.CharField(_("country (ISO code)"), max_length=2)
    action = models.CharField(_("action"), max_length=20, choices=GeoAction.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["policy", "country"], name="country_rule_once")]

    def __str__(self) -> str:
        return f"{self.country}: {self.action}"
