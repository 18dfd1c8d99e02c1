"""The WSGI app `bench/pages.py` serves: Voelspriet, plus two hello-world routes in the same process.

`/__hello` is a plain WSGI function and `/__hello-flask` a one-route Flask app: the floor of what
one gunicorn worker serves, and the "hello-world Flask" each page is compared with. Everything
else goes to Voelspriet (`wsgi:app`) untouched. The product itself has no such route.
"""
from __future__ import annotations

from flask import Flask

from wsgi import app as voelspriet

hello_flask = Flask("hello")


@hello_flask.get("/__hello-flask")
def hello_world() -> str:
    return "hello"


def hello(_environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]


def app(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/__hello":
        return hello(environ, start_response)
    if path == "/__hello-flask":
        return hello_flask(environ, start_response)
    return voelspriet(environ, start_response)
