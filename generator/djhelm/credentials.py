"""What counts as a secret: one rule for variable names and one for text, shared by render and init.

Render refuses a literal value under a secret-looking name and any string carrying a credential; init
never writes such a value into djhelm.yaml, not even as a comment. Both ask this module, so whatever init
writes, render accepts.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

__all__ = ["credential_in", "is_secret_name"]

# The last word of a name says what it holds: DB_PWD, STRIPE_API_KEY, SENTRY_DSN, CLIENT_SECRET. A secret
# word elsewhere describes something else: PASSWORD_MIN_LENGTH, AUTH_TOKEN_LIFETIME, SECRET_KEY_FILE.
_SECRET_LAST_WORDS = frozenset(
    {
        "PASSWORD", "PASSWD", "PWD", "PASS", "PASSPHRASE", "SECRET", "SECRETS", "TOKEN", "TOKENS",
        "CREDENTIAL", "CREDENTIALS", "DSN", "SALT", "APIKEY", "KEY", "PRIVATEKEY", "AUTH",
    }
)  # fmt: skip
# KEY alone says little (ROUTING_KEY, PARTITION_KEY); these words before it make it a secret.
_SECRET_KEY_QUALIFIERS = frozenset(
    {
        "API", "SECRET", "PRIVATE", "ACCESS", "SIGNING", "SIGN", "ENCRYPTION", "ENCRYPT", "CRYPTO", "HMAC",
        "MASTER", "CLIENT", "APP", "LICENSE", "SERVICE", "ACCOUNT", "WEBHOOK", "JWT", "SSH", "TLS", "SSL",
        "AES", "FERNET", "DJANGO", "SESSION", "AUTH", "SHARED", "CIPHER",
    }
)  # fmt: skip
# Words that may follow the one that says "secret": AWS_ACCESS_KEY_ID, SECRET_KEY_FALLBACKS.
_TRAILING_WORDS = frozenset({"ID", "FALLBACKS", "LIST", "OLD", "PREVIOUS", "NEW", "B64", "BASE64"})
# Connection URLs conventionally hold a password even without one in the name.
_SECRET_URL_NAMES = re.compile(
    r"^(DATABASE_URL|DATABASE_\w*URL|\w*DB_URL|REDIS_URL|CELERY_BROKER_URL|BROKER_URL|AMQP_URL|RABBITMQ_URL)$"
)


def is_secret_name(name: str) -> bool:
    """Whether a variable called ``name`` holds a secret by convention (case-insensitive)."""
    upper = name.upper()
    if _SECRET_URL_NAMES.match(upper):
        return True
    words = [word for word in re.split(r"[^A-Z0-9]+", upper) if word]
    while len(words) > 1 and words[-1] in _TRAILING_WORDS:
        words.pop()
    if not words or words[-1] not in _SECRET_LAST_WORDS:
        return False
    if words[-1] == "KEY":
        return len(words) == 1 or words[-2] in _SECRET_KEY_QUALIFIERS
    if words[-1] == "AUTH":
        return len(words) > 1 and words[-2] in {"BASIC", "HTTP", "PROXY"}
    return True


# userinfo with a password: scheme://user:password@host. Python's URL parser drops tabs and line breaks
# (and dj-database-url then reads a working password), so whitespace does not end the password here.
_URL_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/@:?#]*:[^/@?#]+@")
# The same without a scheme (user:password@db.example.com:5432/app). A port or a path must follow the host:
# "Ada:ada@example.com" in an ADMINS list is a name and an e-mail address, not a login.
_BARE_USERINFO = re.compile(
    r"(?:^|[\s,;\"'(=])(?!(?:mailto|sips?|tel|xmpp|urn):)[A-Za-z0-9._~!$&'*+-]+:[^\s/@:]+"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::\d+|/)"
)
# key=value forms: ?password= in a query, libpq "host=db password=x", JDBC ";password=x".
_KEYWORD_PASSWORD = re.compile(
    r"(?:^|[\s?&;,:\"'(])(?:password|passwd|pwd|pass|passphrase|secret|client_secret|api_?key|access_token"
    r"|auth_token|token|sslpassword)\s*=\s*[\"']?[^\s&;,\"')$<{]",
    re.IGNORECASE,
)
# An HTTP credential spelled out (an nginx configuration-snippet setting an Authorization header).
_AUTH_HEADER = re.compile(
    r"Authorization[\"'\s:=]+(?:Basic|Bearer|Token|Digest)\s+[A-Za-z0-9+/=._~-]{8,}", re.IGNORECASE
)


def credential_in(text: str) -> str | None:
    """What kind of credential ``text`` carries, in a few words, or None.

    Also looks through percent-encoding and compatibility forms (a fullwidth colon is still a colon to
    the programs that read the value after Unicode normalisation).
    """
    variants = {text}
    for variant in list(variants):
        variants.add(unicodedata.normalize("NFKC", variant))
    for variant in list(variants):
        variants.add(unquote(variant))
    for variant in sorted(variants):
        flat = re.sub(r"[\t\r\n]", "", variant)
        if _URL_PASSWORD.search(flat):
            return "a URL with a password in it"
        if _BARE_USERINFO.search(flat):
            return "a user:password@host credential"
        if _KEYWORD_PASSWORD.search(flat):
            return "a password= (or token=, secret=) setting with a value"
        if _AUTH_HEADER.search(flat):
            return "an HTTP Authorization credential"
    return None
