"""Runs the examples one after another in one interpreter of the SDK's venv (importing
google-genai costs seconds on a loaded machine). Reads one JSON request a line on stdin
({"script", "base_url", "api_key"}), answers one JSON line on stdout ({"stdout", "error"}):
what the example printed, and its traceback if it raised."""

import contextlib
import io
import json
import os
import runpy
import sys
import traceback
import warnings

warnings.simplefilter("ignore")  # the SDK's notices are not the example's output
answer = sys.stdout
for line in sys.stdin:
    request = json.loads(line)
    os.environ["BASE_URL"], os.environ["API_KEY"] = request["base_url"], request["api_key"]
    out = io.StringIO()
    error = None
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(request["script"], run_name="__main__")
    except BaseException:
        error = traceback.format_exc()
    answer.write(json.dumps({"stdout": out.getvalue(), "error": error}) + "\n")
    answer.flush()
