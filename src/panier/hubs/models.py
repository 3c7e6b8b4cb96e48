from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SellingMode(models.TextChoices):
    """Who sells the goods to the customer (compliance facts §0)."""

    RESELLER = "reseller", _("The hub buys and resells the goods")
    MARKETPLACE = "marketplace", _("The hub sells in the producers' names")


class VatRegime(models.TextChoices):
    """A seller's VAT status."""

    NORMAL = "normal", _("Charges VAT")
    FRANCHISE = "franchise", _("VAT exemption for small businesses (art. 293 B CGI)")


class Hub(models.Model):
    """An operator's shop: a legal entity with its own catalog and logistics."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    legal_name = models.CharField(_("legal name"), max_length=200)
    legal_form = models.CharField(_("legal form"), max_length=50, blank=True)
    share_capital = models.CharField(_("share capital"), max_length=50, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14)
    rcs = models.CharField(_("trade register (RCS)"), max_length=100, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    vat_regime = models.CharField(
        _("VAT regime"), max_length=20, choices=VatRegime.choices, default=VatRegime.NORMAL
    )
    oss_destination_option = models.BooleanField(
        _("tax EU distance sales at destination from the first euro"),
        default=False,
        help_text=_(
            "The option of art. 59c(3) of the VAT directive (CGI art. 259 D): sales to consumers in other "
            "member states are taxed at their rates even below the EUR 10,000 threshold, for at least "
            "two calendar years."
        ),
    )
    selling_mode = models.CharField(
        _("selling mode"),
        max_length=20,
        choices=SellingMode.choices,
        default=SellingMode.RESELLER,
    )
    address = models.CharField(_("address"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=10)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, default="FR")
    email = models.EmailField(_("contact e-mail"))
    phone = models.CharField(_("phone"), max_length=32)
    publication_director = models.CharField(_("publication director"), max_length=100)
    host_details = models.TextField(
        _("hosting provider (name, address, phone)"), blank=True
    )
    mediator_details = models.TextField(_("consumer mediator"), blank=True)
    timezone = models.CharField(_("time zone"), max_length=50, default="Europe/Paris")
    currency = models.CharField(max_length=3, default="EUR")
    min_order_cents = models.BigIntegerField(_("minimum basket (cents)"), default=0)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    is_active = models.BooleanField(_("open"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_order_cents__gte=0), name="hub_min_order_positive"
            )
        ]

    def __str__(self) -> str:
        return self.name


class HubRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    SUPPORT = "support", _("Customer support")
    LOGISTICS = "logistics", _("Logistics")
    ACCOUNTING = "accounting", _("Accounting")


class HubStaff(models.Model):
    """A user who runs a hub, with a role."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hub_roles"
    )
    role = models.CharField(max_length=20, choices=HubRole.choices, default=HubRole.OWNER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hub", "user"], name="hubstaff_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.hub} ({self.role})"
