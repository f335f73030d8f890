"""
A cache backend for the embedded default's ``versions`` cache: short strings
that every process on this machine must read alike, with no server to run.
"""

import os
import uuid
from pathlib import Path
from urllib.parse import quote

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache


class SymlinkCache(BaseCache):
    """
    Each key is a symbolic link in the LOCATION directory whose target is the
    value. Reading is one ``readlink()``, cheap enough for every request;
    ``set`` makes a new link beside the old one and renames it over it, which
    is atomic, so a reader sees the old value or the new one, never a mix or
    none; ``add`` creates the link only where none exists, atomically too.

    Values are strings (no NUL, a few hundred characters at most) that live
    until replaced: a timeout other than None is refused.
    """

    def __init__(self, location, params):
        super().__init__(params)
        self._dir = Path(location)
        self._paths = {}  # key -> its link's path: quoting costs more than the readlink

    def _path(self, key, version):
        key = self.make_and_validate_key(key, version=version)
        path = self._paths.get(key)
        if path is None:
            path = os.path.join(self._dir, quote(key, safe=""))
            if len(self._paths) < 10_000:
                self._paths[key] = path
        return path

    def _link(self, value, timeout):
        if not isinstance(value, str):
            raise TypeError(f"SymlinkCache keeps strings, not {type(value).__name__}")
        if self.get_backend_timeout(timeout) is not None:
            raise ValueError("SymlinkCache values live until replaced: the timeout must be None")
        self._dir.mkdir(parents=True, exist_ok=True)
        return value

    def get(self, key, default=None, version=None):
        try:
            return os.readlink(self._path(key, version))
        except FileNotFoundError:
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        path = self._path(key, version)
        new = f"{path}.{uuid.uuid4().hex}.new"
        os.symlink(self._link(value, timeout), new)
        try:
            os.replace(new, path)
        except BaseException:
            os.unlink(new)
            raise

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        path = self._path(key, version)
        try:
            os.symlink(self._link(value, timeout), path)
        except FileExistsError:
            return False
        return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self.get_backend_timeout(timeout) is None and self.has_key(key, version)

    def delete(self, key, version=None):
        try:
            os.unlink(self._path(key, version))
        except FileNotFoundError:
            return False
        return True

    def clear(self):
        if self._dir.is_dir():
            for entry in self._dir.iterdir():
                if entry.is_symlink():
                    entry.unlink(missing_ok=True)
