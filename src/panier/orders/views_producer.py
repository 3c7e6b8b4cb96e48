"""The producer back office: products, stock, orders and collection lists.

Each URL carries the producer's id; a producer the user does not staff,
or an object of another producer, answers 404.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from panier.audit.services import audit_record
from panier.catalog.backoffice_services import (
    product_image_add,
    product_image_delete,
    product_save,
    variant_save,
)
from panier.core.errors import PanierError
from panier.inventory.services import stock_set
from panier.orders import backoffice_selectors as sel
from panier.orders.forms_producer import PhotoForm, ProductForm, StockForm, VariantForm
from panier.orders.models import OrderStatus
from panier.producers.access import producer_access
from panier.producers.selectors import producers_for_user


def _or_404(obj):
    if obj is None:
        raise Http404("not found")
    return obj


def _today(producer) -> date:
    return sel.local_day(timezone.now(), producer.hub.timezone)


def _units(variant) -> int:
    stock = getattr(variant, "stock", None)
    return stock.remaining if stock is not None else 0


def _render(request, template, context, *, status=200):
    return render(request, f"orders/producer/{template}", context, status=status)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Go to the user's producer, or let them pick one when they staff several."""
    producers = list(producers_for_user(user=request.user))
    if not producers:
        raise PermissionDenied
    if len(producers) == 1:
        return redirect("producer:dashboard", producer_id=producers[0].pk)
    return render(request, "orders/producer/index.html", {"producers": producers})


@producer_access
def dashboard(request: HttpRequest, *, producer) -> HttpResponse:
    today = _today(producer)
    days = sel.collection_days(producer=producer, since=today)
    products = list(sel.producer_products(producer=producer))
    out_of_stock = [v for p in products for v in p.variants.all() if v.is_active and _units(v) == 0]
    return _render(
        request,
        "dashboard.html",
        {"producer": producer, "days": days, "product_count": len(products), "out_of_stock": out_of_stock},
    )


@producer_access
def product_list(request: HttpRequest, *, producer) -> HttpResponse:
    products = list(sel.producer_products(producer=producer))
    return _render(request, "product_list.html", {"producer": producer, "products": products})


def _save_product(request, producer, product=None) -> HttpResponse:
    initial = ProductForm.initial_for(product) if product else {"is_active": True, "is_food": True}
    form = ProductForm(request.POST or None, hub=producer.hub, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                saved = product_save(producer=producer, data=form.cleaned_data, product=product)
            except PanierError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status if exc.status in (400, 409) else 400
            else:
                messages.success(request, _("The product was saved."))
                return redirect("producer:product_edit", producer_id=producer.pk, product_id=saved.pk)
    context = {"producer": producer, "product": product, "form": form}
    if product is not None:
        context |= {"variant_form": VariantForm(initial={"is_active": True}), "photo_form": PhotoForm()}
    return _render(request, "product_form.html", context, status=status)


@producer_access
def product_create(request: HttpRequest, *, producer) -> HttpResponse:
    return _save_product(request, producer)


@producer_access
def product_edit(request: HttpRequest, *, producer, product_id: int) -> HttpResponse:
    product = _or_404(sel.producer_product(producer=producer, product_id=product_id))
    return _save_product(request, producer, product)


def _save_variant(request, producer, product, variant=None) -> HttpResponse:
    initial = VariantForm.initial_for(variant) if variant else {"is_active": True}
    form = VariantForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                variant_save(product=product, data=form.cleaned_data, variant=variant)
            except PanierError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status if exc.status in (400, 409) else 400
            else:
                messages.success(request, _("The variant was saved."))
                return redirect("producer:product_edit", producer_id=producer.pk, product_id=product.pk)
    return _render(
        request,
        "variant_form.html",
        {"producer": producer, "product": product, "variant": variant, "form": form},
        status=status,
    )


@producer_access
def variant_create(request: HttpRequest, *, producer, product_id: int) -> HttpResponse:
    product = _or_404(sel.producer_product(producer=producer, product_id=product_id))
    return _save_variant(request, producer, product)


@producer_access
def variant_edit(request: HttpRequest, *, producer, variant_id: int) -> HttpResponse:
    variant = _or_404(sel.producer_variant(producer=producer, variant_id=variant_id))
    return _save_variant(request, producer, variant.product, variant)


@require_POST
@producer_access
def photo_add(request: HttpRequest, *, producer, product_id: int) -> HttpResponse:
    product = _or_404(sel.producer_product(producer=producer, product_id=product_id))
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(
            request,
            "product_form.html",
            {
                "producer": producer,
                "product": product,
                "form": ProductForm(hub=producer.hub, initial=ProductForm.initial_for(product)),
                "variant_form": VariantForm(initial={"is_active": True}),
                "photo_form": form,
            },
            status=400,
        )
    product_image_add(product=product, image=form.cleaned_data["image"], alt=form.cleaned_data["alt"])
    messages.success(request, _("The photo was added."))
    return redirect("producer:product_edit", producer_id=producer.pk, product_id=product.pk)


@require_POST
@producer_access
def photo_delete(request: HttpRequest, *, producer, image_id: int) -> HttpResponse:
    image = _or_404(sel.producer_image(producer=producer, image_id=image_id))
    product_id = image.product_id
    product_image_delete(image=image)
    messages.success(request, _("The photo was removed."))
    return redirect("producer:product_edit", producer_id=producer.pk, product_id=product_id)


@producer_access
def stock(request: HttpRequest, *, producer) -> HttpResponse:
    products = list(sel.producer_products(producer=producer))
    return _render(request, "stock.html", {"producer": producer, "products": products})


@require_POST
@producer_access
def stock_update(request: HttpRequest, *, producer, variant_id: int) -> HttpResponse:
    variant = _or_404(sel.producer_variant(producer=producer, variant_id=variant_id))
    form = StockForm(request.POST)
    if not form.is_valid():
        products = list(sel.producer_products(producer=producer))
        return _render(
            request,
            "stock.html",
            {"producer": producer, "products": products, "error_variant": variant.pk, "error_form": form},
            status=400,
        )
    stock_set(variant_id=variant.pk, remaining=form.cleaned_data["remaining"], reference=f"user:{request.user.pk}")
    messages.success(
        request,
        _("Stock of %(product)s %(label)s set to %(n)s.")
        % {"product": variant.product.display_name, "label": variant.label, "n": form.cleaned_data["remaining"]},
    )
    return redirect("producer:stock", producer_id=producer.pk)


@producer_access
def order_list(request: HttpRequest, *, producer) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in sel.PRODUCER_VISIBLE:
        status = ""
    orders = list(sel.producer_orders(producer=producer, status=status))
    statuses = [(s, OrderStatus(s).label) for s in sel.PRODUCER_VISIBLE]
    return _render(
        request, "order_list.html", {"producer": producer, "orders": orders, "status": status, "statuses": statuses}
    )


@producer_access
def order_detail(request: HttpRequest, *, producer, number: str) -> HttpResponse:
    order = _or_404(sel.producer_order(producer=producer, number=number))
    audit_record(action="view", object_type="order", object_id=order.number, hub=producer.hub, request=request,
                 fields=["first_name", "lines"])
    return _render(request, "order_detail.html", {"producer": producer, "order": order})


def _parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@producer_access
def collection(request: HttpRequest, *, producer) -> HttpResponse:
    """The collection list of one delivery day, printable."""
    today = _today(producer)
    days = sel.collection_days(producer=producer, since=today)
    raw = request.GET.get("day")
    day = _parse_day(raw)
    status = 200
    if raw and day is None:
        messages.error(request, _("Enter a date like 2025-06-30."))
        status = 400
    if day is None:
        day = days[0] if days else today
    rows = sel.collection_list(producer=producer, day=day)
    return _render(
        request,
        "collection.html",
        {"producer": producer, "day": day, "days": days, "rows": rows,
         "total_units": sum(r.quantity for r in rows)},
        status=status,
    )
