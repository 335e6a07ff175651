"""Audit re-encrypts nothing (`shouwang keys reencrypt audit` is a no-op).

Audit never decrypts. The only ciphertext it holds is `pii_sealed` inside the canonical text of
DeclarationReceived and TaskConfirmed events, and that text is what the hash chain hashes:
re-sealing it would break every link after it (and the log refuses UPDATE anyway). Those copies
stay under the key that sealed them and become unreadable once that key leaves the ring.
"""

from shouwang.common.db.encrypted import EncryptedColumn

ENCRYPTED_COLUMNS: tuple[EncryptedColumn, ...] = ()
