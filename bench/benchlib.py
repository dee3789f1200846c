"""Shared pieces of the HTTP benchmarks (bench_pages.py, bench_freshness.py).

They talk to the product only as a user would (HTTP to gunicorn, the Procfile's Celery worker) or
through management commands, so they keep working when the app's modules move. Loopback only;
every loop is bounded; every process they start is stopped by its own pid.
"""

import html
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
HOST = "127.0.0.1"


def environment(database_url, redis_url):
    """Production-like settings: DEBUG off, Redis as cache and broker, tasks sent to a real worker."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DEBUG="false",
        SECRET_KEY="bench-secret-key-not-for-production",  # noqa: S106 - loopback benchmark only
        ALLOWED_HOSTS=HOST,
        SECURE_COOKIES="false",
        DEMO_MODE="false",
        CELERY_TASK_ALWAYS_EAGER="false",
        AXES_ENABLED="false",  # 40 sign-ins from one address in a few seconds
        # The personas sign in with a password only (no TOTP device); their signed-in requests are what
        # is measured, the code step at sign-in is not.
        TWO_FACTOR_REQUIRED="false",
        LOG_LEVEL="WARNING",
    )
    env.pop("DATABASE_REPLICA_URL", None)
    return env


def manage(env, *args, capture=False):
    if args[0] == "shell":
        args = ("shell", "--no-imports", *args[1:])  # Django 5.2 otherwise prints its auto-imports
    result = subprocess.run(
        [str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, check=True, text=True, capture_output=capture
    )
    return result.stdout if capture else None


def require_migrated(env, script):
    """Measure only a database whose schema matches the code (after a pull, run the setup again)."""
    result = subprocess.run(
        [str(PYTHON), "manage.py", "migrate", "--check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(f"{env['DATABASE_URL']} has unapplied migrations: run `{script} --setup` first")


def ensure_database(url):
    parts = urlsplit(url)
    command = ["createdb", "-h", parts.hostname or HOST, "-p", str(parts.port or 5432)]
    command += ["-U", parts.username or "postgres", parts.path.lstrip("/")]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode and "already exists" not in result.stderr:
        raise SystemExit(result.stderr)


def sql(url, statement, params=None):
    """One read of the bench database (for reports only), outside the app."""
    import psycopg2

    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        rows = cursor.fetchall()
    connection.close()
    return rows


def flush_redis(url):
    """FLUSHDB of the bench's own Redis database only (never FLUSHALL: others use other numbers)."""
    import redis

    redis.Redis.from_url(url).flushdb()


def redis_keys(url):
    """How many keys the bench's Redis database holds (cached pages, charts, snapshot reads, sessions' pages)."""
    import redis

    return redis.Redis.from_url(url).dbsize()


def port_free(port):
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def pick_port(first, last):
    for port in range(first, last + 1):
        if port_free(port):
            return port
    raise SystemExit(f"no free port in {first}-{last}")


# --- processes --------------------------------------------------------------------------------


class Processes:
    """gunicorn and a Celery worker as in the Procfile; stopped (by pid) on exit."""

    def __init__(self, env, *, port, workers=2, celery=False, log_dir=None):
        self.env, self.port, self.workers, self.celery = env, port, workers, celery
        self.log_dir = Path(log_dir or tempfile.mkdtemp(prefix="ucj-bench-"))
        self.started = []

    def __enter__(self):
        manage(self.env, "collectstatic", "--noinput", "-v", "0")
        web_log = open(self.log_dir / "gunicorn.log", "w")  # noqa: SIM115 - closed with the process
        web = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "ucj_dashboard.wsgi", "--workers", str(self.workers),
             "--bind", f"{HOST}:{self.port}", "--log-level", "warning"],
            cwd=ROOT, env=self.env, stdout=web_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.started.append(web)
        if self.celery:
            worker_log = self.log_dir / "celery.log"
            worker = subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "celery"), "-A", "ucj_dashboard", "worker", "--loglevel=INFO"],
                cwd=ROOT, env=self.env, stdout=open(worker_log, "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
            )  # fmt: skip
            self.started.append(worker)
        try:
            wait_ready(self.port, web)
            if self.celery:
                for _ in range(120):  # bounded: 60 s
                    if " ready." in (self.log_dir / "celery.log").read_text():
                        break
                    if worker.poll() is not None:
                        raise SystemExit("the Celery worker exited during start-up; see " + str(worker_log))
                    time.sleep(0.5)
                else:
                    raise SystemExit("the Celery worker was not ready within 60 s")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        for process in reversed(self.started):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self.started):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        self.started = []


def wait_ready(port, process):
    for _ in range(120):  # bounded: 60 s
        if process.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        try:
            if request(port, "/sehat/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within 60 s")


# --- HTTP -------------------------------------------------------------------------------------


def request(port, path, *, method="GET", body=None, headers=None, timeout=30):
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def cookies_from(headers):
    jar = {}
    for key, value in headers:
        if key.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            if name in ("csrftoken", "sessionid"):
                jar[name] = rest.split(";", 1)[0]
    return jar


def csrf_token(body):
    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()


def sign_in(port, username, password):
    """A browser's sign-in; returns the Cookie header (session and CSRF cookies) for later requests."""
    status, headers, body = request(port, "/masuk/")
    jar = cookies_from(headers)
    form = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": csrf_token(body), "next": "/"})
    status, headers, _ = request(
        port,
        "/masuk/",
        method="POST",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={jar['csrftoken']}",
            "Referer": f"http://{HOST}:{port}/masuk/",
        },
    )
    after = cookies_from(headers)
    if status != 302 or "sessionid" not in after:
        raise SystemExit(f"sign-in of {username} failed ({status}); run the bench with --setup first")
    return f"sessionid={after['sessionid']}; csrftoken={after.get('csrftoken', jar['csrftoken'])}"


INPUT = re.compile(rb"<input\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(rb'(\w[\w-]*)="([^"]*)"')


def form_fields(body):
    """name -> value of every <input> of a page (the entry grid has no selects or textareas that matter)."""
    fields = {}
    for tag in INPUT.findall(body):
        attributes = {k.decode().lower(): html.unescape(v.decode()) for k, v in ATTRIBUTE.findall(tag)}
        if "name" in attributes and attributes.get("type") not in ("submit", "button", "checkbox"):
            fields[attributes["name"]] = attributes.get("value", "")
    return fields


def entry_grid_submit(port, cookie, *, code, period, segment, active):
    """What an operator does on the entry grid: type a count and press "Simpan dan ajukan".

    ``active`` is the new count, or a function of the count the grid shows. Returns (seconds the POST
    took, the count saved). The page is loaded first (as the user had it open); only the POST is timed.
    """
    path = f"/entri/{code}/?periode={period}"
    status, _, body = request(port, path, headers={"Cookie": cookie})
    if status != 200:
        raise SystemExit(f"entry grid {path} answered {status}")
    fields = form_fields(body)
    name = f"{code}-{segment}-active"
    shown = int(fields.get(name, "").replace(".", "") or 0)
    if callable(active):  # a new value from the one the grid shows
        active = active(shown)
    if active == shown:
        raise SystemExit(f"{name}: {active} is what the grid already shows; nothing would be saved")
    fields[name] = str(active)
    fields["submit"] = "1"
    fields["periode"] = period
    started = time.perf_counter()
    status, headers, body = request(
        port,
        path,
        method="POST",
        body=urlencode(fields),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Referer": f"http://{HOST}:{port}{path}",
        },
    )
    elapsed = time.perf_counter() - started
    if status != 302:
        errors = re.findall(rb'class="(?:entry-errors|errorlist)[^"]*"[^>]*>(.*?)</(?:div|ul)>', body, re.S)
        text = [re.sub(r"<[^>]+>", " ", e.decode()).split() for e in errors[:3]]
        raise SystemExit(f"entry grid POST {path} answered {status}: {[' '.join(t) for t in text]}")
    return elapsed, active


def angka(value):
    """An integer the Indonesian way, as the pages print it: 1.234.567."""
    return f"{value:,}".replace(",", ".")


# --- wrk --------------------------------------------------------------------------------------

WRK_LUA = """
local paths = {%(paths)s}
local cookies = {%(cookies)s}
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
  math.randomseed(%(seed)d + id * 7919)
end

function request()
  local path = paths[math.random(#paths)]
  return wrk.format("GET", path, {["Cookie"] = cookies[math.random(#cookies)]})
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local not200 = 0
  for _, thread in ipairs(threads) do not200 = not200 + thread:get("bad") end
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %%d, "duration_us": %%d, "errors": %%d, "not200": %%d,'
    .. ' "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "max_us": %%d}\\n', summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, not200, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max))
end
"""


def lua_string(text):
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal for ASCII text


def wrk_script(paths, cookies, seed):
    """A wrk script that sends each request to a random path with a random session's cookies."""
    handle = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
    with handle:
        handle.write(
            WRK_LUA
            % {
                "paths": ", ".join(lua_string(p) for p in paths),
                "cookies": ", ".join(lua_string(c) for c in cookies),
                "seed": seed,
            }
        )
    return handle.name


def ensure_wrk():
    if shutil.which("wrk"):
        return
    print("wrk is missing: installing Debian's package", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False)
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update", "-q"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)


def wrk(port, script, *, duration, connections=16, threads=2):
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s",
               "-s", script, f"http://{HOST}:{port}/"]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    data = json.loads(output.split("WRKJSON ", 1)[1].splitlines()[0])
    seconds = data["duration_us"] / 1e6
    return {
        "rps": data["requests"] / seconds,
        "p50_ms": data["p50_us"] / 1000,
        "p95_ms": data["p95_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000,
        "max_ms": data["max_us"] / 1000,
        "requests": data["requests"],
        "errors": data["errors"],
        "not_200": data["not200"],
    }
