"""Path converters of the catalogue's URLs, registered in `ProceduresConfig.ready()`."""


class ProcedureCodeConverter:
    """A procedure's national code (1.009972): one path segment without control characters, so a NUL byte
    or a line break never reaches the database as a code (404, not a 500)."""

    regex = r"[^/\x00-\x1f\x7f]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
