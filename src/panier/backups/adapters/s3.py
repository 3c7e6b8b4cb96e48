"""An S3-compatible bucket (s3://bucket/prefix?endpoint=https://...&region=...).

Credentials come from boto3's usual chain (AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, or ``?profile=`` naming a profile of
~/.aws/credentials), so that two providers can hold two key pairs.
"""

from __future__ import annotations

from pathlib import Path

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from panier.backups.adapters.base import Progress
from panier.backups.errors import DestinationFailed

_TRANSFER = TransferConfig(
    multipart_threshold=64 * 1024 * 1024, multipart_chunksize=64 * 1024 * 1024
)


class _Counter:
    def __init__(self, progress: Progress | None):
        self.progress = progress
        self.done = 0

    def __call__(self, count: int) -> None:
        self.done += count
        if self.progress:
            self.progress(self.done)


class S3Destination:
    def __init__(
        self,
        url: str,
        *,
        bucket: str,
        prefix: str,
        endpoint: str | None,
        region: str | None,
        profile: str | None,
    ):
        self.url = url
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        session = (
            boto3.session.Session(profile_name=profile) if profile else boto3.session.Session()
        )
        self.client = session.client(
            "s3",
            endpoint_url=endpoint,
            region_name=region,
            config=Config(
                connect_timeout=5,
                read_timeout=60,
                retries={"max_attempts": 2, "mode": "standard"},
                # Third-party S3 services do not all accept the CRC
                # checksums that recent boto3 adds by default.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def _fail(self, action: str, exc: Exception) -> DestinationFailed:
        return DestinationFailed(f"{self.url}: {action} failed: {exc}")

    def put(self, source: Path, name: str, progress: Progress | None = None) -> None:
        # An object appears only once its upload has completed; a failed
        # multipart upload is aborted by boto3, so nothing partial remains.
        try:
            self.client.upload_file(
                str(source),
                self.bucket,
                self._key(name),
                Config=_TRANSFER,
                Callback=_Counter(progress),
            )
        except (BotoCoreError, ClientError, OSError) as exc:
            raise self._fail("upload", exc) from exc

    def get(self, name: str, target: Path, progress: Progress | None = None) -> None:
        try:
            self.client.download_file(
                self.bucket,
                self._key(name),
                str(target),
                Config=_TRANSFER,
                Callback=_Counter(progress),
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey"}:
                raise DestinationFailed(f"{self.url}: no archive named {name}") from exc
            raise self._fail("download", exc) from exc
        except (BotoCoreError, OSError) as exc:
            raise self._fail("download", exc) from exc

    def names(self) -> list[str]:
        prefix = f"{self.prefix}/" if self.prefix else ""
        found: list[str] = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            ):
                for item in page.get("Contents", []):
                    rest = item["Key"][len(prefix) :]
                    if rest and "/" not in rest:
                        found.append(rest)
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("listing", exc) from exc
        return sorted(found)

    def delete(self, name: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(name))
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("delete", exc) from exc
