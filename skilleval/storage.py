"""Files through Django's storage API, whether the storage is the local media folder (the
embedded default, one machine) or an S3-compatible object store (production with several worker
machines: settings STORAGES, django-storages). What needs a real file on disk (WeasyPrint's photos,
pikepdf's merge, the ZIP) goes through these helpers instead of `storage.path()`, which an object
store does not have."""

import base64
import mimetypes
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage


def local_path(name: str) -> Path | None:
    """The file's path on this machine, or None for an object store."""
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:
        return None


@contextmanager
def writing(name: str):
    """A local path to write the file into; on leaving the block the file is stored under `name`,
    whole or not at all, replacing what an interrupted run left there."""
    target = local_path(name)
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    else:
        handle, tmp_name = tempfile.mkstemp(suffix=Path(name).suffix)
        os.close(handle)
        tmp = Path(tmp_name)
    try:
        yield tmp
        if target is not None:
            os.replace(tmp, target)
        else:
            # An object is written whole by one PUT; the store keeps the given name (overwrite).
            default_storage.delete(name)
            with tmp.open("rb") as data:
                stored = default_storage.save(name, File(data, name=Path(name).name))
            if stored != name:
                raise RuntimeError(f"the storage renamed {name} to {stored}")
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(name: str, data: bytes) -> None:
    with writing(name) as path:
        path.write_bytes(data)


@contextmanager
def reading(name: str):
    """A local path holding the stored file, for a library that wants a file (removed after)."""
    path = local_path(name)
    if path is not None:
        yield path
        return
    handle, tmp_name = tempfile.mkstemp(suffix=Path(name).suffix)
    try:
        with os.fdopen(handle, "wb") as copy, default_storage.open(name, "rb") as stored:
            shutil.copyfileobj(stored, copy, 1024 * 1024)
        yield Path(tmp_name)
    finally:
        os.unlink(tmp_name)


def embeddable_uri(name: str, *, required: bool = True) -> str:
    """A URL WeasyPrint can read the stored file from without the network: file:// for the local
    folder, else the bytes themselves as a data URI (photos are a few KB). A missing file that is
    `required` stops the rendering (WeasyPrint fails on the file URL, the store on the read);
    one that is not gives ""."""
    path = local_path(name)
    if path is not None:
        return path.as_uri() if required or path.exists() else ""
    if not required and not default_storage.exists(name):
        return ""
    with default_storage.open(name, "rb") as stored:
        data = stored.read()
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"
