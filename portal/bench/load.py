"""Driving load: wrk when it is installed, else a bounded Python generator; and the signed-in
vote on / vote off run, whose final counts are checked against the vote rows."""

from __future__ import annotations

import http.client
import json
import random
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

# Every request says who it is, as a browser does: a signed-in session is bound to the address
# and browser that signed in (Flask-Login's session protection), and the bench's sessions are
# minted for this one (portal/bench/__main__.py), so that they are used as a real browser's are.
USER_AGENT = "feedloop-bench"

WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "errors": %d, "status_errors": %d, '
    .. '"p50": %f, "p95": %f, "p99": %f}\\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout,
    e.status, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3))
end
"""


@dataclass
class Result:
    """One target's numbers: requests per second and latency percentiles in milliseconds."""

    requests: int
    seconds: float
    errors: int
    p50: float
    p95: float
    p99: float
    notes: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def drive(url: str, *, seconds: int, connections: int, cookie: str | None = None) -> Result:
    if shutil.which("wrk"):
        return _wrk(url, seconds=seconds, connections=connections, cookie=cookie)
    return _python_load(url, seconds=seconds, connections=connections, cookie=cookie)


def _wrk(url: str, *, seconds: int, connections: int, cookie: str | None) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_REPORT)
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", script.name,
               "-H", f"User-Agent: {USER_AGENT}", url]  # fmt: skip
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    Path(script.name).unlink()
    line = next(line for line in output.splitlines() if line.startswith("{"))
    data = json.loads(line)
    return Result(data["requests"], data["seconds"], data["errors"] + data["status_errors"],
                  data["p50"], data["p95"], data["p99"])  # fmt: skip


def _percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


def _summary(latencies: list[float], elapsed: float, errors: int, notes: list[str]) -> Result:
    latencies.sort()
    return Result(len(latencies), elapsed, errors, _percentile(latencies, 0.5),
                  _percentile(latencies, 0.95), _percentile(latencies, 0.99), notes)  # fmt: skip


def _python_load(url: str, *, seconds: int, connections: int, cookie: str | None) -> Result:
    """A bounded generator: `connections` threads, each one request at a time."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}

    def client():
        mine, failed = [], 0
        while time.monotonic() < deadline:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            started = time.monotonic()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    failed += 1
            except OSError:
                failed += 1
            finally:
                connection.close()
            mine.append((time.monotonic() - started) * 1000)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return _summary(latencies, time.monotonic() - started, errors[0],
                    ["python load generator (wrk not installed)"])  # fmt: skip


@dataclass(frozen=True)
class Voter:
    cookie: str
    csrf_token: str


WRK_VOTES = """
voters = %(voters)s
ideas = %(ideas)s
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
function init(args)
  mine = voters[id]
  turn = 0
  failures = 0
  math.randomseed(id)
end
-- A vote answers with a redirect to the idea; one to the sign-in page means it was not counted.
function response(status, headers, body)
  local location = headers["Location"] or headers["location"] or ""
  if status ~= 302 or location:find("login") then
    failures = failures + 1
  end
end
function request()
  local voter = mine[(math.floor(turn / 2) %% #mine) + 1]
  local action = "off"
  if turn %% 2 == 0 then
    idea = ideas[math.random(#ideas)]
    action = "on"
  end
  turn = turn + 1
  return wrk.format("POST", "/ideas/" .. idea .. "/vote",
    {["Cookie"] = voter[1], ["Content-Type"] = "application/x-www-form-urlencoded",
     ["User-Agent"] = "%(user_agent)s"},
    "action=" .. action .. "&csrf_token=" .. voter[2])
end
done = function(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "seconds": %%f, "errors": %%d, "status_errors": %%d, '
    .. '"p50": %%f, "p95": %%f, "p99": %%f}\\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout,
    failed, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3))
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII is a valid Lua string literal


def vote_on_and_off(base: str, voters: list[list[Voter]], idea_ids: list[int], *,
                    seconds: int) -> Result:  # fmt: skip
    """Each connection votes on an idea then takes the vote back, rotating through its own
    accounts (the per-account limit holds), until time is up; every vote but the last of each
    connection ends withdrawn. wrk drives it when installed (one thread per connection, so each
    connection's on and off go in order), else Python threads."""
    if shutil.which("wrk"):
        return _wrk_votes(base, voters, idea_ids, seconds=seconds)
    return _python_votes(base, voters, idea_ids, seconds=seconds)


def _wrk_votes(base: str, voters: list[list[Voter]], idea_ids: list[int], *,
               seconds: int) -> Result:  # fmt: skip
    per_connection = [
        "{" + ", ".join(f"{{{_lua_string(v.cookie)}, {_lua_string(quote(v.csrf_token))}}}"
                        for v in accounts) + "}"
        for accounts in voters
    ]  # fmt: skip
    script_text = WRK_VOTES % {
        "voters": "{" + ",\n".join(per_connection) + "}",
        "ideas": "{" + ", ".join(str(i) for i in idea_ids) + "}",
        "user_agent": USER_AGENT,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(script_text)
    connections = len(voters)
    command = ["wrk", f"-t{connections}", f"-c{connections}", f"-d{seconds}s", "-s", script.name,
               base + "/"]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    Path(script.name).unlink()
    data = json.loads(next(line for line in output.splitlines() if line.startswith("{")))
    errors = data["errors"] + data["status_errors"]
    return Result(data["requests"], data["seconds"], errors, data["p50"], data["p95"],
                  data["p99"], ["wrk: a thread per connection, each its own accounts"])  # fmt: skip


def _python_votes(base: str, voters: list[list[Voter]], idea_ids: list[int], *,
                  seconds: int) -> Result:  # fmt: skip
    parts = urlsplit(base)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def post(connection_accounts: list[Voter], rng: random.Random):
        mine, failures = [], []
        turn = 0
        while time.monotonic() < deadline:
            voter = connection_accounts[turn % len(connection_accounts)]
            idea_id = rng.choice(idea_ids)
            for action in ("on", "off"):  # always both: nothing is left voted
                started = time.monotonic()
                status = _post_vote(parts, voter, idea_id, action)
                mine.append((time.monotonic() - started) * 1000)
                if status != 302:
                    failures.append(f"vote {action} on #{idea_id}: HTTP {status}")
            turn += 1
        with lock:
            latencies.extend(mine)
            errors.extend(failures)

    started = time.monotonic()
    threads = [
        threading.Thread(target=post, args=(accounts, random.Random(index)))
        for index, accounts in enumerate(voters)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return _summary(latencies, time.monotonic() - started, len(errors), errors[:5])


def _post_vote(parts, voter: Voter, idea_id: int, action: str) -> int:
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        body = urlencode({"action": action, "csrf_token": voter.csrf_token})
        connection.request("POST", f"/ideas/{idea_id}/vote", body=body, headers={
            "Cookie": voter.cookie, "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": USER_AGENT,
        })  # fmt: skip
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0
    finally:
        connection.close()
