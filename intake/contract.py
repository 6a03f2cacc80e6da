"""Pydantic models of ../shared/specs/submission-contract.md (v1).

Field names and literal values are fixed by the contract: other tools read them.
``ExtractResult`` is exactly the JSON printed by ``intake extract FILE --json``.
"""

from typing import Literal

from pydantic import BaseModel, Field

Kind = Literal["submission", "follow_up", "auto_reply", "bounce", "not_submission"]
Role = Literal["lead", "partner"]
OrgKind = Literal["council", "fire", "police", "health", "combined_authority", "other"]
ArrangementType = Literal[
    "shared_service",
    "shared_management",
    "joint_committee",
    "lead_authority",
    "company",
    "joint_procurement",
    "other",
]
ArrangementStatus = Literal["operational", "in_development", "ended"]
Period = Literal["annual", "cumulative", "one_off"]
Basis = Literal["achieved", "expected"]
MissingField = Literal["organisations", "service_areas", "description", "savings"]

SERVICE_AREAS: tuple[str, ...] = (
    "revenues_benefits", "ict", "legal", "hr_payroll", "finance", "procurement",
    "audit_fraud", "customer_services", "democratic_electoral", "property_facilities",
    "management", "building_control", "planning", "environmental_health", "licensing",
    "trading_standards", "waste", "highways_transport", "parking", "emergency_planning",
    "community_safety", "housing", "adult_social_care", "childrens_education",
    "public_health", "leisure_culture", "economic_development", "other",
)  # fmt: skip


class Sender(BaseModel):
    name: str | None = None
    email: str | None = None
    organisation_code: str | None = None


class Organisation(BaseModel):
    name: str
    code: str | None = None
    current_code: str | None = None
    role: Role = "partner"
    kind: OrgKind = "council"


class Saving(BaseModel):
    amount_gbp: int
    period: Period = "annual"
    basis: Basis = "achieved"
    year: str | None = None


class Contact(BaseModel):
    name: str | None = None
    email: str | None = None
    phone: str | None = None


class SubmissionEntry(BaseModel):
    """One arrangement described in a message (one entry of ``submissions``)."""

    title: str | None = None
    organisations: list[Organisation] = Field(default_factory=list)
    service_areas: list[str] = Field(default_factory=list)
    arrangement_type: ArrangementType | None = None
    status: ArrangementStatus | None = None
    start_year: int | None = None
    savings: list[Saving] = Field(default_factory=list)
    savings_none_reason: str | None = None
    description: str | None = None
    benefits: str | None = None
    contact: Contact | None = None
    missing: list[MissingField] = Field(default_factory=list)
    sources: dict[str, str] = Field(default_factory=dict)


class ExtractResult(BaseModel):
    """What one incoming e-mail means: the JSON of ``intake extract``."""

    message_id: str | None = None
    kind: Kind = "not_submission"
    reference: str | None = None
    sender: Sender = Field(default_factory=Sender)
    submissions: list[SubmissionEntry] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
