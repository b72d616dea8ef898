"""Settings for the test suite: the real settings, with the few things tests need changed."""

import os

# Each test run gets its own test database and queue, so that runs side by side (and the
# `make run` worker) never share state. A consumer started by a test inherits these variables.
_RUN = os.environ.setdefault("DEALERCARE_TEST_RUN", str(os.getpid()))
os.environ.setdefault("DEALERCARE_ENV", "test")
os.environ.setdefault("HUEY_IMMEDIATE", "true")
os.environ.setdefault("HUEY_NAME", f"dealercare-test-{_RUN}")
os.environ.setdefault(
    "HUEY_SQLITE_PATH",
    os.path.join(os.path.dirname(__file__), "..", "..", "var", f"huey-test-{_RUN}.sqlite3"),
)

from .settings import *  # noqa: E402, F403
from .settings import DATABASES, VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory: the huey consumer and live-server tests must see the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-dealercare-{_RUN}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_dealercare_{_RUN}"}
