"""The baseline for bench/page.py: a bare Flask app serving fixed bytes from memory.

bench/page.py writes Herald's gzipped responses and a manifest into ``$BENCH_BARE_DIR``
and runs this module under the same gunicorn settings as Herald, so the ratio of the two
throughputs is what Herald's own request handling costs.
"""

import json
import os

from flask import Flask, Response

app = Flask(__name__)

with open(os.path.join(os.environ["BENCH_BARE_DIR"], "manifest.json")) as _file:
    _MANIFEST = json.load(_file)


def _add(path: str, body: bytes, content_type: str, content_encoding: str) -> None:
    headers = {"Content-Type": content_type, "Content-Encoding": content_encoding}

    def view() -> Response:
        return Response(body, headers=headers)

    app.add_url_rule(path, endpoint=path, view_func=view)


for _item in _MANIFEST:
    with open(os.path.join(os.environ["BENCH_BARE_DIR"], _item["file"]), "rb") as _file:
        _add(_item["path"], _file.read(), _item["content_type"], _item["content_encoding"])
