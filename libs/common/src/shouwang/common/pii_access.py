"""Every decrypted read of personal data is announced to audit, in the reader's transaction."""

from shouwang.common.auth.principal import Principal
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.access import PiiViewed
from shouwang.common.events.envelope import new_envelope


def record_pii_view(
    uow: UnitOfWork,
    *,
    principal: Principal,
    service: str,
    subject: str,
    purpose: str,
    person_ref: str | None,
) -> None:
    """Stage an `access.pii.viewed` event for a decrypted read."""
    viewed = PiiViewed(
        actor=principal.sub,
        role=principal.role,
        scope=principal.scope,
        subject=subject,
        purpose=purpose,
        person_ref=person_ref,
        service=service,
    )
    uow.publish(new_envelope(viewed, source=f"/shouwang/{service}", subject=subject))
