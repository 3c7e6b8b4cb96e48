from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from panier.hubs.models import Hub
from panier.producers.models import Producer
from panier.tax.models import TaxCategory


class TranslatedMixin:
    """Pick the English text of a field when the page is in English."""

    def tr(self, field: str) -> str:
        if (get_language() or "fr").startswith("en"):
            english = getattr(self, f"{field}_en", "")
            if english:
                return english
        return getattr(self, field)


class Category(TranslatedMixin, models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="categories")
    slug = models.SlugField()
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["hub", "slug"], name="category_slug_per_hub")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.tr("name")


class Allergen(models.TextChoices):
    """The 14 allergens of Annex II of Regulation (EU) 1169/2011."""

    GLUTEN = "gluten", _("Cereals containing gluten")
    CRUSTACEANS = "crustaceans", _("Crustaceans")
    EGGS = "eggs", _("Eggs")
    FISH = "fish", _("Fish")
    PEANUTS = "peanuts", _("Peanuts")
    SOYBEANS = "soybeans", _("Soybeans")
    MILK = "milk", _("Milk")
    NUTS = "nuts", _("Nuts")
    CELERY = "celery", _("Celery")
    MUSTARD = "mustard", _("Mustard")
    SESAME = "sesame", _("Sesame seeds")
    SULPHITES = "sulphites", _("Sulphur dioxide and sulphites")
    LUPIN = "lupin", _("Lupin")
    MOLLUSCS = "molluscs", _("Molluscs")


class Unit(models.TextChoices):
    """The unit a unit price is expressed in."""

    KILOGRAM = "kg", _("kg")
    LITRE = "l", _("L")
    PIECE = "piece", _("piece")


class WithdrawalException(models.TextChoices):
    """Why the 14-day withdrawal right does not apply (C. conso L221-28)."""

    NONE = "", _("Withdrawal right applies")
    PERISHABLE = "perishable", _("Goods likely to deteriorate or expire quickly")
    PERSONALISED = "personalised", _("Goods made to the customer's specifications")
    HYGIENE = "hygiene", _("Sealed goods unsealed after delivery (hygiene)")


class Product(TranslatedMixin, models.Model):
    """A good a producer sells through a hub, in one or more variants."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="products")
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="products")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    slug = models.SlugField(max_length=120)
    name = models.CharField(_("name"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    is_food = models.BooleanField(_("food"), default=True)
    ingredients = models.TextField(_("ingredients"), blank=True)
    allergens = models.JSONField(_("allergens"), default=list, blank=True)
    origin = models.CharField(_("origin"), max_length=100, blank=True)
    storage = models.CharField(_("storage conditions"), max_length=200, blank=True)
    tax_category = models.CharField(
        _("tax category"), max_length=20, choices=TaxCategory.choices, default=TaxCategory.FOOD
    )
    sold_by_weight = models.BooleanField(
        _("sold by weight"),
        default=False,
        help_text=_("The price is per kg; the final price is set when the item is weighed."),
    )
    unit = models.CharField(_("unit for the unit price"), max_length=10, choices=Unit.choices, default=Unit.KILOGRAM)
    withdrawal_exception = models.CharField(
        _("withdrawal right"),
        max_length=20,
        choices=WithdrawalException.choices,
        default=WithdrawalException.NONE,
        blank=True,
    )
    is_active = models.BooleanField(_("on sale"), default=True)
    # Accent-free lower-case words of name, description, producer and
    # category: the search fallback on databases without full-text search.
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "slug"], name="product_slug_per_hub")
        ]
        indexes = [models.Index(fields=["hub", "is_active", "category"])]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.tr("name")

    @property
    def display_description(self) -> str:
        return self.tr("description")

    @property
    def has_withdrawal_right(self) -> bool:
        return not self.withdrawal_exception


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("image"), upload_to="products/%Y/%m/")
    alt = models.CharField(_("description of the image"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.alt or self.image.name


class Variant(models.Model):
    """One way a product is sold: a size or pack, with its price.

    ``price_cents`` is VAT-inclusive. For a product sold by weight it is the
    price per kg and ``estimated_weight_g`` is the expected weight of one
    item; otherwise ``net_quantity`` (grams or millilitres) gives the unit
    price per kg or litre.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(_("SKU"), max_length=50)
    label = models.CharField(_("label"), max_length=50, help_text=_("e.g. 250 g, 1 L, piece"))
    price_cents = models.BigIntegerField(_("price incl. VAT (cents)"))
    net_quantity = models.PositiveIntegerField(
        _("net quantity (g or mL)"), null=True, blank=True
    )
    estimated_weight_g = models.PositiveIntegerField(
        _("estimated weight (g)"), null=True, blank=True
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["product", "sku"], name="variant_sku_per_product"),
            models.CheckConstraint(condition=models.Q(price_cents__gt=0), name="variant_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.product} – {self.label}"
