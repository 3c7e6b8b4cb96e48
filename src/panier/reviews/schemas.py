from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from panier.core.api import PageOut
from panier.reviews import rules
from panier.reviews.models import Review


class ReplyOut(Schema):
    producer: str
    body: str
    created_at: datetime


class ReviewOut(Schema):
    id: int
    rating: int = Field(..., ge=1, le=5)
    title: str
    body: str
    author_name: str
    is_verified: bool = Field(..., description="Tied to an order line delivered to the author.")
    experienced_at: datetime = Field(..., description="When the product was delivered to the author.")
    published_at: datetime
    reply: ReplyOut | None = None

    @staticmethod
    def resolve_is_verified(obj: Review) -> bool:
        return obj.order_line_id is not None

    @staticmethod
    def resolve_reply(obj: Review) -> dict | None:
        reply = getattr(obj, "reply", None)
        if reply is None:
            return None
        return {"producer": reply.producer.name, "body": reply.body, "created_at": reply.created_at}


class ReviewPageOut(PageOut):
    average_tenths: int = Field(..., description="Average rating in tenths of a star (45 = 4.5/5).")
    sort: str = Field(..., examples=[rules.SORT_RECENT])
    items: list[ReviewOut]
