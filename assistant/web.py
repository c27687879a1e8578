"""Web UI (server-rendered pages). Placeholder until the chat UI lands."""

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    pass
