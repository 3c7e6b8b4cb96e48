"""Review pages: the order page form, the product page block, the notice,
reporting, the moderation queue, producer replies and the API."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from panier.reviews.models import (
    ModerationDecision,
    Review,
    ReviewReply,
    ReviewReport,
    ReviewStatus,
)
from panier.reviews.services import review_moderate, review_submit
from panier.traffic.pagecache import hub_ids_forget
from tests import factories

from .conftest import deliver

pytestmark = pytest.mark.usefixtures("english")


def url(name, **kwargs):
    with translation.override("en"):
        return reverse(name, kwargs=kwargs)


def published(shop, user, line, rating, body="Good", **kw):
    review = review_submit(user=user, order_line_id=line.pk, rating=rating, body=body, **kw)
    return review_moderate(review_id=review.pk, hub_id=shop.hub.pk, actor=shop.operator, approve=True)


def product_url(shop, index=0):
    return url("catalog:product", hub_slug=shop.hub.slug, slug=shop.products[index].slug)


def test_order_page_links_each_delivered_line_to_its_review_form(client, delivered, customer):
    """The delivered order's page offers "Write a review" for each line to its owner."""
    client.force_login(customer)

    page = client.get(delivered.get_absolute_url()).content.decode()

    for line in delivered.lines.all():
        assert url("reviews:line_review", line_id=line.pk) in page
    assert "Review your products" in page


def test_review_form_shows_errors_then_records_the_review(client, delivered, customer):
    """A form without a rating answers 400 with the error; a valid one creates a pending review."""
    client.force_login(customer)
    line = delivered.lines.first()
    target = url("reviews:line_review", line_id=line.pk)

    bad = client.post(target, {"body": "Nice"})
    good = client.post(target, {"rating": "4", "title": "Tasty", "body": "Nice cheese"}, REMOTE_ADDR="203.0.113.9")
    again = client.post(target, {"rating": "1", "body": "Changed my mind"})

    assert bad.status_code == 400
    assert "This field is required." in bad.content.decode()
    assert good.status_code == 302
    review = Review.objects.get(order_line=line)
    assert (review.rating, review.title, review.status) == (4, "Tasty", ReviewStatus.PENDING)
    assert review.network_hash
    assert again.status_code == 409
    assert "This purchase already has a review." in again.content.decode()
    assert Review.objects.count() == 1


def test_review_form_needs_login_and_ownership(client, delivered, shop):
    """Anonymous visitors go to the login page; another customer gets 404."""
    target = url("reviews:line_review", line_id=delivered.lines.first().pk)

    anonymous = client.get(target)
    client.force_login(factories.user())
    stranger = client.post(target, {"rating": "5", "body": "Great"})

    assert anonymous.status_code == 302
    assert "login" in anonymous["Location"]
    assert stranger.status_code == 404
    assert Review.objects.count() == 0


def test_undelivered_order_line_form_is_refused(client, shop, customer):
    """Posting a review of a line not yet delivered answers 403 with the reason, never a 500."""
    order = factories.placed_order(shop, [(0, 1)], user=customer)
    client.force_login(customer)

    response = client.post(url("reviews:line_review", line_id=order.lines.first().pk), {"rating": "5", "body": "x"})

    assert response.status_code == 403
    assert "Only the customer who received this product can review it." in response.content.decode()


def test_product_page_shows_verified_reviews_with_dates_sort_and_notice(client, shop, customer, delivered):
    """Published reviews show with the delivery and publication dates, average, sort, report link and notice."""
    other = factories.user(first_name="Bruno", last_name="Martin")
    second = deliver(factories.placed_order(shop, [(0, 1)], user=other, first_name="Bruno"))
    low = published(shop, customer, delivered.lines.first(), 2, body="Too salty")
    high = published(shop, other, second.lines.first(), 5, body="Excellent")
    pending = review_submit(user=customer, order_line_id=delivered.lines.last().pk, rating=1, body="Hidden")

    page = client.get(product_url(shop)).content.decode()
    lowest = client.get(product_url(shop) + "?sort=lowest").content.decode()
    junk = client.get(product_url(shop) + "?sort=nonsense&reviews_page=x")

    assert "Average 3.5 out of 5, from 2 verified reviews" in page
    assert page.count("Verified purchase") == 2
    assert "Delivered on" in page
    assert "review published on" in page
    assert page.index("Excellent") < page.index("Too salty")
    assert lowest.index("Too salty") < lowest.index("Excellent")
    assert "Hidden" not in page
    assert pending.status == ReviewStatus.PENDING
    assert url("reviews_hub:notice", hub_slug=shop.hub.slug) in page
    assert url("reviews_hub:report", hub_slug=shop.hub.slug, review_id=low.pk) in page
    assert "whatever their rating" in page
    assert 'value="recent" selected' in page
    assert junk.status_code == 200
    assert high.pk


def test_published_review_reaches_a_cached_product_page(client, shop, customer, delivered, settings,
                                                        django_capture_on_commit_callbacks):
    """With the page cache on, publishing a review makes the next anonymous visit show it."""
    settings.PANIER_PAGE_CACHE = True
    cache.clear()
    hub_ids_forget()
    anonymous = Client()
    first = anonymous.get(product_url(shop))
    assert anonymous.get(product_url(shop))["X-Panier-Cache"] == "hit"
    review = review_submit(user=customer, order_line_id=delivered.lines.first().pk, rating=5, body="Fresh and nutty")

    with django_capture_on_commit_callbacks(execute=True):
        review_moderate(review_id=review.pk, hub_id=shop.hub.pk, actor=shop.operator, approve=True)
    after = anonymous.get(product_url(shop))

    assert "Fresh and nutty" not in first.content.decode()
    assert after["X-Panier-Cache"] == "miss"
    assert "Fresh and nutty" in after.content.decode()


def test_notice_page_states_the_checks(client, shop):
    """The hub's notice says who may review, the moderation delay, no reward and the retention period."""
    page = client.get(url("reviews_hub:notice", hub_slug=shop.hub.slug)).content.decode()

    assert "Only a customer whose order of a product was delivered" in page
    assert "within 7 days" in page
    assert "No payment, discount or other reward" in page
    assert "for 3 years" in page


def test_report_form_stores_the_report(client, shop, customer, delivered):
    """Anyone can report a published review; bad input re-shows the form with 400."""
    review = published(shop, customer, delivered.lines.first(), 1)
    target = url("reviews_hub:report", hub_slug=shop.hub.slug, review_id=review.pk)

    form = client.get(target)
    bad = client.post(target, {"reason": "because", "email": "nope"})
    good = client.post(target, {"reason": "fake", "details": "The producer never sold this", "email": "p@example.org"})

    assert form.status_code == 200
    assert bad.status_code == 400
    assert good.status_code == 302
    report = ReviewReport.objects.get()
    assert (report.review_id, report.reason, report.email) == (review.pk, "fake", "p@example.org")


def test_operator_queue_and_refusal(client, shop, customer, delivered, django_capture_on_commit_callbacks):
    """The hub's operator sees pending reviews, must give a reason to refuse, and the author is e-mailed."""
    review = review_submit(user=customer, order_line_id=delivered.lines.first().pk, rating=1, body="Visit my-site.example")
    queue = url("reviews_operator:queue", hub_slug=shop.hub.slug)
    decide = url("reviews_operator:decide", hub_slug=shop.hub.slug, review_id=review.pk)
    prefix = f"r{review.pk}-"
    factories.login_staff(client, shop.operator)

    listing = client.get(queue)
    missing_reason = client.post(decide, {prefix + "decision": "refuse"})
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(decide, {prefix + "decision": "refuse", prefix + "reason": "advertising"})

    assert listing.status_code == 200
    assert "Visit my-site.example" in listing.content.decode()
    assert missing_reason.status_code == 400
    assert "Choose the reason for the refusal." in missing_reason.content.decode()
    assert refused.status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.REJECTED
    assert ModerationDecision.objects.get(review=review).reason == "advertising"
    assert len(mail.outbox) == 1


def test_queue_is_for_the_hubs_staff_only(client, shop):
    """Another user gets 404 on a hub's queue; an anonymous visitor is sent to log in."""
    queue = url("reviews_operator:queue", hub_slug=shop.hub.slug)

    anonymous = client.get(queue)
    client.force_login(factories.user())
    stranger = client.get(queue)

    assert anonymous.status_code == 302
    assert stranger.status_code == 404


def test_producer_replies_from_the_back_office(client, shop, customer, delivered):
    """The producer's staff reply once; the reply shows under the review on the product page."""
    review = published(shop, customer, delivered.lines.first(), 3)
    target = url("reviews_producer:reply", producer_id=shop.producers[0].pk, review_id=review.pk)
    factories.login_staff(client, shop.producer_user)

    listing = client.get(url("reviews_producer:list", producer_id=shop.producers[0].pk))
    empty = client.post(target, {f"r{review.pk}-body": ""})
    first = client.post(target, {f"r{review.pk}-body": "Thank you, next batch is milder."})
    second = client.post(target, {f"r{review.pk}-body": "Again"})
    page = Client().get(product_url(shop)).content.decode()

    assert listing.status_code == 200
    assert empty.status_code == 400
    assert first.status_code == 302
    assert second.status_code == 409
    assert ReviewReply.objects.get().body == "Thank you, next batch is milder."
    assert "Thank you, next batch is milder." in page
    assert "Reply from Fromagerie du Col" in page


def test_api_lists_published_reviews(client, shop, customer, delivered, django_assert_max_num_queries):
    """The API pages a product's published reviews with the average; bad input is 404 or 422."""
    review = published(shop, customer, delivered.lines.first(), 4, title="Nice")
    base = f"/api/v1/hubs/{shop.hub.slug}/products/{shop.products[0].slug}/reviews"

    with django_assert_max_num_queries(8):
        ok = client.get(base + "?page_size=5")
    bad_sort = client.get(base + "?sort=best")
    missing = client.get(f"/api/v1/hubs/{shop.hub.slug}/products/nope/reviews")

    body = json.loads(ok.content)
    assert ok.status_code == 200
    assert (body["count"], body["average_tenths"], body["sort"], body["page_size"]) == (1, 40, "recent", 5)
    item = body["items"][0]
    assert (item["id"], item["rating"], item["title"], item["is_verified"], item["reply"]) == (
        review.pk, 4, "Nice", True, None
    )
    assert item["experienced_at"]
    assert item["published_at"]
    assert (bad_sort.status_code, json.loads(bad_sort.content)["code"]) == (422, "invalid_input")
    assert (missing.status_code, json.loads(missing.content)["code"]) == (404, "not_found")


def test_reviews_are_paged_with_the_counted_total(client, shop):
    """Twelve published reviews: ten on the first page, two on the second, and the page count from the summary."""
    from panier.inventory.models import Stock

    Stock.objects.filter(variant=shop.variant(0)).update(remaining=100)
    type(shop.delivery_slot).objects.filter(pk=shop.delivery_slot.pk).update(capacity=100)
    for index in range(12):
        buyer = factories.user(first_name=f"Buyer{index}")
        order = deliver(factories.placed_order(shop, [(0, 1)], user=buyer))
        published(shop, buyer, order.lines.first(), 4, body=f"Review number {index:02d}")

    first = client.get(product_url(shop)).content.decode()
    second = client.get(product_url(shop) + "?sort=recent&reviews_page=2").content.decode()

    assert "from 12 verified reviews" in first
    assert first.count("Review number") == 10
    assert "Page 1 of 2" in first
    assert second.count("Review number") == 2
    assert "Page 2 of 2" in second


def test_the_kept_reviews_block_follows_every_change(client, shop, customer, delivered, django_capture_on_commit_callbacks):
    """Kept rendered per product, sort, page and language; a publication or an erasure shows on the next visit."""
    from panier.privacy.services import account_erase

    client.cookies["visited"] = "1"  # past the anonymous page cache, to see the block's own cache
    assert "No review yet." in client.get(product_url(shop)).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        published(shop, customer, delivered.lines.first(), 5, body="Superb")
    page = client.get(product_url(shop)).content.decode()
    assert "Superb" in page
    assert "Alice" in page
    french = client.get(product_url(shop).replace("/en/", "/", 1)).content.decode()
    assert "Avis clients" in french
    assert "Customer reviews" not in french

    with django_capture_on_commit_callbacks(execute=True):
        account_erase(user=customer, actor=customer)
    after = client.get(product_url(shop)).content.decode()
    assert "Superb" in after
    assert "Alice" not in after.split('id="reviews"', 1)[1]
