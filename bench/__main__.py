"""Run every benchmark and record the results (`make bench`)."""

from __future__ import annotations

from bench import token_validation


def main() -> None:
    token_validation.main()


if __name__ == "__main__":
    main()
