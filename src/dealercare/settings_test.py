"""Settings for the test suite: the real settings, with the few things tests need changed."""

import os

os.environ.setdefault("DEALERCARE_ENV", "test")
os.environ.setdefault("HUEY_IMMEDIATE", "true")
os.environ.setdefault("HUEY_NAME", "dealercare-test")

from .settings import *  # noqa: E402, F403
from .settings import VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media"
