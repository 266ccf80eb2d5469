"""Create the media bucket if it does not exist (idempotent): compose's one-shot `bucket` service and the rehearsal.

Reads django-storages' own variables: AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY (and AWS_S3_REGION_NAME). The bucket stays private: Rakor serves every file
through its own views (or short-lived signed URLs), never from a public bucket.
"""

from __future__ import annotations

import os
import sys
import time

import boto3
from botocore.exceptions import ClientError, EndpointConnectionError


def main() -> int:
    bucket = os.environ["AWS_STORAGE_BUCKET_NAME"]
    client = boto3.client(
        "s3", endpoint_url=os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        region_name=os.environ.get("AWS_S3_REGION_NAME") or "us-east-1",
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY"),
    )
    for attempt in range(30):  # the storage server may still be starting
        try:
            client.head_bucket(Bucket=bucket)
            print(f"bucket {bucket}: exists")
            return 0
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
                raise
            client.create_bucket(Bucket=bucket)
            print(f"bucket {bucket}: created")
            return 0
        except EndpointConnectionError:
            time.sleep(1)
    print(f"bucket {bucket}: storage endpoint not reachable", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
