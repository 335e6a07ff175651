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


@event_type("shouwang.access.keys.reencrypted.v1", topic=ACCESS_AUDIT)
class KeysReencrypted(BaseModel):
    """A `shouwang keys reencrypt` run that wrote: who moved which data onto which key."""

    actor: str
    service: str
    current_key: str  # key ids (SHA-256 fingerprints), never key material
    previous_keys: list[str]
    scanned: int
    reencrypted: int
    tables: dict[str, int]  # table -> rows re-encrypted
