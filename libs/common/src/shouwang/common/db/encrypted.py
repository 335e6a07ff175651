"""Where a service keeps PiiCipher blobs: the registry `shouwang keys reencrypt` walks.

Each service declares its registry, `ENCRYPTED_COLUMNS`, next to its tables in
`shouwang.<service>.adapters.encrypted`.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shouwang.common.crypto import PiiCipher
from sqlalchemy import ColumnElement, Table

# (stored value, its row, cipher) -> the value under the current key, or None if it already is
Reseal = Callable[[Any, Mapping[str, Any], PiiCipher], Any]


@dataclass(frozen=True)
class EncryptedColumn:
    """A column of PiiCipher blobs and the AAD they are bound to."""

    table: Table
    column: str
    aad: bytes = b""
    # for a column whose framing or AAD depends on its row, or whose blob sits inside a
    # structured value; `reads` names the other columns it needs
    reseal: Reseal | None = None
    reads: tuple[str, ...] = ()
    where: ColumnElement[bool] | None = None  # only these rows can hold a blob
    # SQL run first in every re-encrypting transaction of the table (lifts a write guard for
    # that transaction only)
    unlock: str | None = None
    batch_cap: int | None = None  # rows per transaction at most, for columns of large blobs

    def resealed(self, value: Any, row: Mapping[str, Any], cipher: PiiCipher) -> Any:
        """The value re-encrypted under the cipher's current key, or None if it already is."""
        if self.reseal is not None:
            return self.reseal(value, row, cipher)
        if cipher.is_current(value, aad=self.aad):
            return None
        return cipher.reencrypt(value, aad=self.aad)
