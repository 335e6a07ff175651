"""The `Idempotency-Key` request header of the creating POSTs (see `common.db.idempotency`)."""

from typing import Annotated

from fastapi import Header

KEY_MAX = 200  # characters; the offline village client checks its queued keys against it

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=KEY_MAX)]
