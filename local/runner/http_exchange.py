"""A request as the runner's HTTP server received it, and the response it sends back."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str  # path and query, as on the request line
    headers: list[tuple[str, str]]  # in arrival order, names as sent
    body: bytes = b""
    source_ip: str = "127.0.0.1"

    @property
    def raw_path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def raw_query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    def header(self, name: str) -> str | None:
        """All values of header `name` joined by commas, as API Gateway joins them."""
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return ",".join(values) if values else None


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @classmethod
    def message(cls, status: int, message: str) -> HttpResponse:
        """API Gateway's own answers: `{"message": "..."}` as JSON."""
        body = ('{"message":"' + message + '"}').encode()
        return cls(status, [("Content-Type", "application/json")], body)
