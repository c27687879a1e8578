"""POST /api/fees/estimate: the official-fee calculator over HTTP (models live here, logic in fees.py)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from . import fees

router = APIRouter(tags=["fees"])


class FeeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["trademark", "patent", "utility_solution", "design"]
    stage: Literal["filing", "grant", "renewal", "late_renewal"] = "filing"
    products_per_class: list[StrictInt] | None = Field(
        default=None, min_length=1, max_length=fees.MAX_CLASSES,
        description="trademarks: goods/services in each Nice class, e.g. [8, 8, 8] for 3 classes of 8")
    claims: StrictInt | None = Field(default=None, ge=1, le=fees.MAX_CLAIMS,
                                     description="patents/utility solutions: independent claims")
    pages: StrictInt | None = Field(default=None, ge=1, le=fees.MAX_PAGES, description="description pages")
    designs: StrictInt | None = Field(default=None, ge=1, le=fees.MAX_DESIGNS, description="design variants")
    months_late: StrictInt | None = Field(default=None, ge=1, le=fees.MAX_LATE_MONTHS,
                                          description="late_renewal: months after expiry (1-6)")
    as_of: date | None = Field(default=None, description="the date the fees are wanted for (default today)")


class FeeLine(BaseModel):
    item: str
    basis: str
    quantity: int
    amount: int
    item_id: str
    unit_amount: int
    item_no: str | None
    verified: bool


class FeeSource(BaseModel):
    circular: str
    title: str
    source_id: str
    locator: str


class FeeResponse(BaseModel):
    kind: str
    stage: str
    lines: list[FeeLine]
    total: int
    currency: str
    notes: list[str]
    source: FeeSource
    as_of: str | None


@router.post("/api/fees/estimate", response_model=FeeResponse)
def fees_estimate(body: FeeRequest) -> dict[str, Any]:
    """Official fees, item by item with their working, from Thông tư 263/2016/TT-BTC; attorney fees excluded."""
    return fees.estimate(body.kind, body.stage, products_per_class=body.products_per_class, claims=body.claims,
                         pages=body.pages, designs=body.designs, as_of=body.as_of,
                         months_late=body.months_late).to_dict()
