"""Fetch raw data files from a local mirror or their canonical URL, checksummed.

A file is only ever placed at its destination after its checksum matched;
until then it lives under a temporary name that is removed on any failure.
"""

from __future__ import annotations

import hashlib
import http.client
import shutil
import urllib.request
from pathlib import Path

from hpstudy.errors import DataError
from hpstudy.runtime.atomic import atomic_path

ALGORITHMS = ("md5", "sha1", "sha256")


def parse_checksum(checksum: str) -> tuple[str, str]:
    """'md5:abc...' -> ('md5', 'abc...')."""
    algorithm, _, digest = checksum.partition(":")
    if algorithm not in ALGORITHMS or not digest:
        raise DataError(f"checksum {checksum!r} is not of the form '<{'|'.join(ALGORITHMS)}>:<hex digest>'")
    return algorithm, digest.lower()


def file_digest(path: str | Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, name: str, checksum: str, origin: str) -> None:
    algorithm, expected = parse_checksum(checksum)
    actual = file_digest(path, algorithm)
    if actual != expected:
        raise DataError(
            f"{name} from {origin} has the wrong {algorithm} checksum: expected {expected}, got {actual}. "
            "The file is corrupted or truncated (or not the file the study uses); it was not used. "
            "Replace it with a good copy, or remove it to download again."
        )


def fetch(
    name: str, url: str | None, checksum: str, destination: str | Path, mirror: str | Path | None = None, log=print
) -> str:
    """Place the verified file `name` at `destination`; return where it came from."""
    parse_checksum(checksum)  # a malformed checksum is refused before any transfer
    with atomic_path(destination) as tmp:
        if mirror is not None and (Path(mirror) / name).is_dir():
            raise DataError(
                f"{Path(mirror) / name} is a folder, not the raw file {name}; put the file itself in the mirror "
                "under that name"
            )
        if mirror is not None and (Path(mirror) / name).is_file():
            origin = str(Path(mirror) / name)
            log(f"copying {name} from mirror {origin}")
            shutil.copyfile(origin, tmp)
        elif url is None:
            where = f"the data mirror {mirror}" if mirror is not None else "no data mirror (data_mirror is not set)"
            raise DataError(
                f"{name} has no public download URL and is not in {where}. "
                f"Put {name} in a folder and run with --config data_mirror=FOLDER, "
                "or choose data settings that do not need it (its problem's data section)."
            )
        else:
            origin = url
            if mirror is not None:
                log(f"{name} is not in mirror {mirror}; downloading {url}")
            else:
                log(f"downloading {url}")
            try:
                with urllib.request.urlopen(url, timeout=60) as response, open(tmp, "wb") as out:
                    shutil.copyfileobj(response, out)
            except (OSError, ValueError, http.client.HTTPException) as error:
                raise DataError(
                    f"downloading {name} from {url} failed ({error}). Without internet access, put the file in a "
                    "folder and run with --config data_mirror=FOLDER (checksums are still verified)."
                ) from None
        verify(tmp, name, checksum, origin)
        log(f"{name}: checksum {checksum} verified")
    return origin
