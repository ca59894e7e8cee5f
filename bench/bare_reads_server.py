"""The baseline of bench/reads.py: a bare Flask endpoint answering the captured meeting body.

``BENCH_BODY`` names the JSON file, ``BENCH_PATH`` the path served. Each request serialises the
body with ``jsonify`` (as ecabinet's answer is serialised per request) and answers 304 when
``If-None-Match`` carries its ETag.
"""

import hashlib
import json
import os

from flask import Flask, jsonify, request

app = Flask(__name__)
BODY = json.loads(open(os.environ["BENCH_BODY"], encoding="utf-8").read())  # noqa: SIM115
ETAG = hashlib.sha256(json.dumps(BODY, sort_keys=True).encode()).hexdigest()[:32]


@app.route(os.environ["BENCH_PATH"])
def meeting():
    if request.if_none_match.contains_weak(ETAG):
        return "", 304, {"ETag": f'W/"{ETAG}"'}
    response = jsonify(BODY)
    response.set_etag(ETAG, weak=True)
    return response
