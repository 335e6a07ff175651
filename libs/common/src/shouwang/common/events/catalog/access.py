"""Access events: every decrypted read of personal data is recorded."""

from pydantic import BaseModel
from shouwang.common.events.registry import event_type
from shouwang.common.events.topics import ACCESS_AUDIT


@event_type("shouwang.access.pii.viewed.v1", topic=ACCESS_AUDIT)
class PiiViewed(BaseModel):
    actor: str
    role: str
    scope: str
    subject: str
    purpose: str
    person_ref: str | None = None
    service: str
