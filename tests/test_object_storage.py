"""Files through the storage API on an S3-compatible object store (production with several worker
machines): a moto server started by the test stands in for MinIO/S3. Bulk issuance reads the
photos, writes the PDFs, the merged print PDF and the ZIP there; downloads go through the scoped
views; admission tickets embed the photo."""

import io
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
import zipfile

import boto3
import pikepdf
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from certificates import issuance
from skilleval import storage
from skilleval.settings.base import object_storage
from tests.test_issuance import approved_batch, sequences, signatory_of

KEYS = {"access_key": "test-access", "secret_key": "test-secret", "region": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """An S3-compatible server of the test's own (moto in server mode, on loopback)."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("the S3 test server did not start")
            time.sleep(0.2)
    yield endpoint
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def bucket(s3_endpoint, settings, db):
    """A fresh bucket as the default storage for the test."""
    name = f"skilleval-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
        region_name=KEYS["region"],
    )
    client.create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": object_storage(
            name, s3_endpoint, KEYS["access_key"], KEYS["secret_key"], KEYS["region"]
        ),
    }
    assert storage.local_path("x") is None  # really the object store now
    return client, name


def _keys(client, bucket, prefix="") -> set[str]:
    listed = client.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return {item["Key"] for item in listed.get("Contents", [])}


def test_bulk_issuance_reads_and_writes_through_the_object_store(bucket, client):
    s3, name = bucket
    batch = approved_batch(passing=3, failing=1)
    result = issuance.issue_batch(batch, signatory_of(batch.institution))

    certificates = list(batch.certificates.order_by("number"))
    assert sequences(batch) == [1, 2, 3]
    stored = _keys(s3, name)
    assert {c.pdf.name for c in certificates} <= stored
    assert {result["zip"], result["merged_pdf"]} <= stored
    merged = s3.get_object(Bucket=name, Key=result["merged_pdf"])["Body"].read()
    with pikepdf.Pdf.open(io.BytesIO(merged)) as document:
        assert len(document.pages) == 3
        # The photo, read from the store, is on the page (an image beside the QR code).
        images = [
            x for x in document.pages[0].Resources.XObject.values() if x.get("/Subtype") == "/Image"
        ]
        assert len(images) >= 2
    archive = zipfile.ZipFile(
        io.BytesIO(s3.get_object(Bucket=name, Key=result["zip"])["Body"].read())
    )
    assert sorted(archive.namelist()) == sorted(
        f"{c.number}-{c.holder_name}.pdf" for c in certificates
    )

    # Downloads only through the scoped views: the signatory's reprint streams the stored PDF.
    client.force_login(signatory_of(batch.institution))
    response = client.get(reverse("certificate-pdf", args=[certificates[0].pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == (
        s3.get_object(Bucket=name, Key=certificates[0].pdf.name)["Body"].read()
    )


def test_a_rerun_overwrites_the_stored_file_under_the_same_name(bucket):
    s3, name = bucket
    storage.write_bytes("certificates/issuance/x/one.pdf", b"first")
    storage.write_bytes("certificates/issuance/x/one.pdf", b"second")
    assert _keys(s3, name, "certificates/issuance/x/") == {"certificates/issuance/x/one.pdf"}
    with storage.reading("certificates/issuance/x/one.pdf") as path:
        assert path.read_bytes() == b"second"
    assert default_storage.exists("certificates/issuance/x/one.pdf")
    assert storage.embeddable_uri("missing.jpg", required=False) == ""
