"""Authenticated encryption of backup archives, as a stream of chunks.

Format (all integers big-endian)::

    header = MAGIC (8) | version (1) | salt (16) | nonce prefix (7)
             | chunk size (4) | key check (32)
    then, per chunk: length (4) | AES-256-GCM ciphertext with its tag

The key is derived from the secret with scrypt and the salt. The key check
is an HMAC of the rest of the header, so a wrong key is told apart from a
damaged archive before any chunk is read. Each chunk's nonce is the prefix,
a "last chunk" flag and the chunk counter, and the header is its associated
data: chunks cannot be reordered, dropped, replayed from another archive or
cut off at the end without the tag check failing (the STREAM construction).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from panier.backups.errors import ArchiveCorrupt, WrongKey

MAGIC = b"PANIERBK"
VERSION = 1
CHUNK_SIZE = 1024 * 1024
_HEADER = struct.Struct(">8sB16s7sI32s")
_LENGTH = struct.Struct(">I")
_TAG_SIZE = 16
# scrypt costs about 30 ms and 16 MiB: cheap for one archive, expensive for
# someone guessing a weak passphrase.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def _derive(secret: str, salt: bytes) -> tuple[bytes, bytes]:
    material = hashlib.scrypt(secret.encode(), salt=salt, dklen=64, **_SCRYPT)
    return material[:32], material[32:]


def _key_check(check_key: bytes, header_start: bytes) -> bytes:
    return hmac.new(check_key, b"panier-backup-key-check" + header_start, "sha256").digest()


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + (b"\x01" if last else b"\x00") + struct.pack(">I", counter)


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise ArchiveCorrupt("The backup archive is truncated.")
    return data


def encrypt_stream(source: BinaryIO, target: BinaryIO, *, secret: str) -> None:
    """Encrypt everything read from ``source`` into ``target``."""
    salt, prefix = os.urandom(16), os.urandom(7)
    enc_key, check_key = _derive(secret, salt)
    start = MAGIC + bytes([VERSION]) + salt + prefix + struct.pack(">I", CHUNK_SIZE)
    header = start + _key_check(check_key, start)
    target.write(header)
    aead = AESGCM(enc_key)
    counter = 0
    chunk = source.read(CHUNK_SIZE)
    while True:
        following = source.read(CHUNK_SIZE)
        last = not following
        sealed = aead.encrypt(_nonce(prefix, counter, last), chunk, header)
        target.write(_LENGTH.pack(len(sealed)))
        target.write(sealed)
        if last:
            return
        chunk, counter = following, counter + 1


def decrypt_chunks(source: BinaryIO, *, secret: str) -> Iterator[bytes]:
    """Yield the plain chunks of an archive, checking each one.

    Raises WrongKey when the key check fails and ArchiveCorrupt when the
    archive is not one, is cut short, has trailing data or fails a tag.
    """
    header = source.read(_HEADER.size)
    if len(header) != _HEADER.size or not header.startswith(MAGIC):
        raise ArchiveCorrupt("This file is not a Panier backup archive.")
    _magic, version, salt, prefix, chunk_size, check = _HEADER.unpack(header)
    if version != VERSION:
        raise ArchiveCorrupt("Unknown backup archive format version.")
    enc_key, check_key = _derive(secret, salt)
    if not hmac.compare_digest(check, _key_check(check_key, header[: -len(check)])):
        raise WrongKey()
    aead = AESGCM(enc_key)
    counter = 0
    lookahead = b""
    while True:
        raw_length = lookahead + _read_exact(source, _LENGTH.size - len(lookahead))
        (length,) = _LENGTH.unpack(raw_length)
        if length < _TAG_SIZE or length > chunk_size + _TAG_SIZE:
            raise ArchiveCorrupt("The backup archive is damaged (bad chunk length).")
        sealed = _read_exact(source, length)
        lookahead = source.read(1)
        last = not lookahead
        try:
            plain = aead.decrypt(_nonce(prefix, counter, last), sealed, header)
        except InvalidTag:
            raise ArchiveCorrupt(
                "The backup archive is truncated or was altered (authentication failed)."
            ) from None
        yield plain
        if last:
            return
        counter += 1


def decrypt_stream(source: BinaryIO, target: BinaryIO, *, secret: str) -> None:
    """Decrypt an archive from ``source`` into ``target`` (see decrypt_chunks)."""
    for chunk in decrypt_chunks(source, secret=secret):
        target.write(chunk)
