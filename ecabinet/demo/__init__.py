"""`ecabinet seed-demo`: a realistic demo government, in Vietnamese, created idempotently."""

from flask import Flask


def init_app(app: Flask) -> None:
    from ecabinet.demo.cli import seed_demo_command

    app.cli.add_command(seed_demo_command)
