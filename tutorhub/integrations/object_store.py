"""S3-compatible object storage for course videos, through boto3 (used when TUTORHUB_S3_BUCKET is set).

The browser uploads straight to the bucket: the app creates a multipart upload and hands out pre-signed
`upload_part` URLs, the client PUTs each part there and keeps the ETag, and the app completes the upload
with those ETags — the video's bytes never pass through the app server. Playback is a pre-signed GET
(the bucket answers Range requests itself). Tests run this against moto in server mode.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from tutorhub.settings import get_settings


class S3VideoStore:
    backend = "s3"

    def __init__(self, *, bucket: str, endpoint_url: str | None, region: str, access_key: str | None,
                 secret_key: str | None) -> None:
        self.bucket = bucket
        self.client: Any = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region, aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def create_upload(self, key: str, content_type: str) -> str:
        answer = self.client.create_multipart_upload(Bucket=self.bucket, Key=key, ContentType=content_type)
        return str(answer["UploadId"])

    def part_url(self, key: str, s3_upload_id: str, n: int, *, expires_s: int) -> str:
        return str(self.client.generate_presigned_url(
            "upload_part", Params={"Bucket": self.bucket, "Key": key, "UploadId": s3_upload_id, "PartNumber": n},
            ExpiresIn=expires_s, HttpMethod="PUT",
        ))

    def complete(self, key: str, s3_upload_id: str, parts: list[tuple[int, str]]) -> int:
        """Complete with the client's (part number, ETag) list; returns the object's size."""
        self.client.complete_multipart_upload(
            Bucket=self.bucket, Key=key, UploadId=s3_upload_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etag} for n, etag in parts]},
        )
        return int(self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"])

    def abort(self, key: str, s3_upload_id: str) -> None:
        self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=s3_upload_id)

    def head(self, key: str, length: int = 64) -> bytes:
        answer = self.client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{length - 1}")
        return bytes(answer["Body"].read())

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def get_url(self, key: str, *, content_type: str, expires_s: int) -> str:
        return str(self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key, "ResponseContentType": content_type},
            ExpiresIn=expires_s,
        ))


def get_s3_video_store() -> S3VideoStore | None:
    """The configured bucket, or None for local disk."""
    s = get_settings()
    if not s.s3_bucket:
        return None
    return S3VideoStore(bucket=s.s3_bucket, endpoint_url=s.s3_endpoint_url, region=s.s3_region,
                        access_key=s.s3_access_key_id, secret_key=s.s3_secret_access_key)
