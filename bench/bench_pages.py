#!/usr/bin/env python3
"""Dashboards as their users feel them: many signed-in sessions, random pages, cold and warm caches,
and the entry season (recomputes landing every 10 s).

    .venv/bin/python bench/bench_pages.py --setup     # once: dataset, targets, recompute, 40 personas (~6 min)
    .venv/bin/python bench/bench_pages.py             # measure: 3 rounds x 4 runs of 20 s (~6 min)

Dataset (``--setup``, each step skipped when done; database ``ucj_dash_bench``): the Kemendagri tree
with the BPJS offices of DOMAIN.md (``load_regions``), ``generate_national_dataset --months 13
--first-month 2024-06`` (4,355,624 counts at all 83,762 desa), an RPJMN target for every province
and kab/kota, a full ``recompute_coverage``, and 40 personas: 1 admin, 11 branch heads, 4 Kanwil
heads, 4 verifiers and 20 Pemda operators of kab/kota (``bench.*``, one password).

Measurement: gunicorn as in the Procfile with ``--workers`` (default 2, this machine has 2 cores),
the Procfile's Celery worker, Redis database 8 as cache and broker, DEBUG off. All 40 personas sign
in. wrk (Debian's package, installed if missing) with 2 threads and 16 connections; every request
goes to a random URL of the mix with a random session's cookies. The mix (10,000 URLs drawn with a
fixed seed, 2,861 distinct; every page at its default month):
  30 % kab/kota dashboards (all 514), 15 % kecamatan dashboards (500 drawn), 10 % province
  dashboards (38), 5 % the national dashboard, 10 % league tables (national, per province, per
  kab/kota's kecamatan, provinces), 30 % chart JSON (tren, segmen, peringkat, bawahan of the
  kab/kota and provinces).
Each round runs, in this order, for ``--duration`` seconds each:
  trivial   a signed-in trivial view (``/wilayah/cari/?q=``: session and user, nothing else) with the
            same 40 sessions: the yardstick of the round;
  cold      the mix right after FLUSHDB of the bench's Redis database (no cached page, chart or
            snapshot; PostgreSQL's own buffers stay warm);
  warm      the mix again, caches as the cold run left them;
  season    the mix while a Pemda operator saves and submits a real count on the entry grid every
            10 s (HTTP, as in the browser) and the Celery worker recomputes it (incremental) and
            bumps the snapshot versions.
Reported per run: p50/p95/p99 latency and req/s, medians over the rounds, each as a ratio to the
trivial run of the same round; raw figures in bench/results/pages-<time>.json.
"""

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # noqa: E402

ROOT = benchlib.ROOT
PASSWORD = "bench-Rahasia-2025"  # noqa: S105 - loopback benchmark users only
FIRST_MONTH, MONTHS = "2024-06", 13
SEED = 2025
SEASON_REGIONS = ["35.73", "35.07", "35.05", "35.78", "13.02", "63.10"]  # operators that enter in the season

SETUP_TARGETS = """
from decimal import Decimal
from coverage.models import TargetSeries, TargetValue
from regions.models import Region
series, _ = TargetSeries.objects.get_or_create(
    code="rpjmn-2025-2029", defaults={"name": "RPJMN 2025-2029", "kind": "rpjmn",
    "source_document": "Perpres 12/2025 tentang RPJMN 2025-2029"})
regions = Region.objects.filter(level__lte=2).exclude(targets__series=series)
TargetValue.objects.bulk_create([TargetValue(series=series, region=r, year=y, percent=Decimal("32.15"),
                                 source="RPJMN 2025-2029") for r in regions for y in (2024, 2025)])
print("targets", regions.count())
"""
SETUP_STATE = """
from coverage.models import ParticipantCount, Snapshot
from regions.models import Region
print(Region.objects.filter(level=4).count(), ParticipantCount.objects.count(), Snapshot.objects.count())
"""
SETUP_USERS = """
import json, random
from django.contrib.auth import get_user_model
from regions.models import Office, Region, Role, UserRole
password, season, seed = %r, %r, %r
rng = random.Random(seed)
User = get_user_model()
people = []
def person(username, **role):
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": "Bench"})
    if created:
        user.set_password(password)
        user.is_superuser = user.is_staff = role.pop("admin", False)
        user.save()
    role.pop("admin", None)
    if role:
        UserRole.objects.get_or_create(user=user, **role)
    people.append(username)
person("bench.admin", admin=True)
for office in Office.objects.filter(kind="branch").order_by("code"):
    person(f"bench.kacab.{office.code.lower()}", role=Role.BRANCH_HEAD, office=office)
for office in Office.objects.filter(kind="kanwil").order_by("code"):
    person(f"bench.kakanwil.{office.code.lower()}", role=Role.BRANCH_HEAD, office=office)
for code in ("KC-MALANG", "KC-SURABAYA", "KC-SOLOK", "KC-BATULICIN"):
    person(f"bench.verifikator.{code.lower()}", role=Role.VERIFIER, office=Office.objects.get(code=code))
kab = list(Region.objects.filter(level=2).exclude(code__in=season).order_by("code").values_list("code", flat=True))
for code in season + sorted(rng.sample(kab, 20 - len(season))):
    person(f"bench.operator.{code}", role=Role.OPERATOR, region=Region.objects.get(code=code))
print("PEOPLE " + json.dumps(people))
"""
SETUP_CODES = """
import json
from regions.models import Region
from coverage.models import Snapshot
from django.db.models import Max, Min
levels = {str(level): list(Region.objects.filter(level=level).order_by("code").values_list("code", flat=True))
          for level in (1, 2, 3)}
span = Snapshot.objects.aggregate(first=Min("period"), last=Max("period"))
print("CODES " + json.dumps({"levels": levels, "first": span["first"].isoformat(), "last": span["last"].isoformat()}))
"""


def setup(args, env):
    benchlib.ensure_database(args.database_url)
    benchlib.manage(env, "migrate", "--no-input", "-v0")
    villages, counts, snapshots = (
        int(v) for v in benchlib.manage(env, "shell", "-c", SETUP_STATE, capture=True).split()
    )
    if villages < 80_000:
        benchlib.manage(env, "load_regions")
    if counts == 0:
        benchlib.manage(env, "generate_national_dataset", "--months", str(MONTHS), "--first-month", FIRST_MONTH)
    benchlib.manage(env, "shell", "-c", SETUP_TARGETS)
    if snapshots == 0:
        started = time.perf_counter()
        benchlib.manage(env, "recompute_coverage")
        print(f"recompute: {time.perf_counter() - started:.0f} s", flush=True)
    people(env)


def people(env):
    output = benchlib.manage(env, "shell", "-c", SETUP_USERS % (PASSWORD, SEASON_REGIONS, SEED), capture=True)
    return json.loads(output.split("PEOPLE ", 1)[1].splitlines()[0])


def codes(env):
    output = benchlib.manage(env, "shell", "-c", SETUP_CODES, capture=True)
    return json.loads(output.split("CODES ", 1)[1].splitlines()[0])


def url_mix(data, size=10_000):
    """The realistic mix: (category, path) drawn with a fixed seed."""
    rng = random.Random(SEED)
    provinces, kabkota, kecamatan = data["levels"]["1"], data["levels"]["2"], data["levels"]["3"]
    kecamatan = rng.sample(kecamatan, 500)

    def page(code):
        return f"/wilayah/{code}/"

    def league():
        choice = rng.random()
        if choice < 0.3:
            return "/peringkat/?tingkat=2"
        if choice < 0.6:
            return f"/peringkat/?tingkat=2&induk={rng.choice(provinces)}"
        if choice < 0.9:
            return f"/peringkat/?tingkat=3&induk={rng.choice(kabkota)}"
        return "/peringkat/?tingkat=1"

    def chart():
        code = rng.choice(kabkota) if rng.random() < 0.8 else rng.choice(provinces)
        return f"/wilayah/{code}/grafik/{rng.choice(['tren', 'segmen', 'peringkat', 'bawahan'])}/"

    categories = [
        ("kab/kota page", 0.30, lambda: page(rng.choice(kabkota))),
        ("kecamatan page", 0.15, lambda: page(rng.choice(kecamatan))),
        ("province page", 0.10, lambda: page(rng.choice(provinces))),
        ("national page", 0.05, lambda: page("ID")),
        ("league table", 0.10, league),
        ("chart JSON", 0.30, chart),
    ]
    mix = []
    for _ in range(size):
        draw, total = rng.random(), 0.0
        for name, weight, make in categories:
            total += weight
            if draw < total or name == categories[-1][0]:
                mix.append((name, make()))
                break
    return mix


def check_mix(port, cookies, mix):
    """One request per category with a real session: each answers 200 with real content."""
    seen = {}
    for name, path in mix:
        if name in seen:
            continue
        status, _, body = benchlib.request(port, path, headers={"Cookie": cookies[0]})
        expected = b'"data"' if "grafik" in path else b"<main"
        if status != 200 or expected not in body:
            raise SystemExit(f"{path} answered {status} without {expected!r}")
        seen[name] = path
    return seen


class EntrySeason(threading.Thread):
    """Every ``interval`` s an operator saves and submits a new kab/kota PU count on the entry grid."""

    def __init__(self, port, operators, period, interval, seed):
        super().__init__(daemon=True)
        self.port, self.operators, self.period, self.interval = port, operators, period, interval
        self.stop = threading.Event()
        self.saves, self.failures = [], []
        self.rng = random.Random(seed)

    def run(self):
        number = 0
        while not self.stop.wait(0 if number == 0 else self.interval):
            code, cookie = self.operators[number % len(self.operators)]
            # A small change of the PU count the grid shows (never zero, so something is saved).
            delta = self.rng.choice([-3, -2, -1, 1, 2, 3])
            try:
                elapsed, active = benchlib.entry_grid_submit(
                    self.port, cookie, code=code, period=self.period, segment="PU",
                    active=lambda shown, d=delta: shown + d,
                )  # fmt: skip
                self.saves.append({"code": code, "active": active, "post_ms": elapsed * 1000, "at": time.time()})
            except SystemExit as exc:
                self.failures.append(str(exc))
            number += 1


def per_category(args, env, data, personas, samples=12):
    """Diagnosis, not a load test: one request at a time, each to a URL not requested before in that
    category, the cache flushed first: what one cold page of each kind costs end to end."""
    rng = random.Random(SEED + 1)
    by_category = {}
    for name, path in url_mix(data):
        by_category.setdefault(name, set()).add(path)
    port = benchlib.pick_port(8100, 8149)
    timings = {}
    with benchlib.Processes(env, port=port, workers=args.workers):
        cookie = benchlib.sign_in(port, personas[1], PASSWORD)
        benchlib.request(port, "/wilayah/cari/?q=", headers={"Cookie": cookie})
        benchlib.flush_redis(args.redis_url)
        for name, paths in sorted(by_category.items()):
            chosen = rng.sample(sorted(paths), min(samples, len(paths)))
            times = []
            for path in chosen:
                started = time.perf_counter()
                status, _, _ = benchlib.request(port, path, headers={"Cookie": cookie})
                times.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    raise SystemExit(f"{path} answered {status}")
            timings[name] = {"median_ms": statistics.median(times), "max_ms": max(times), "samples": len(times)}
            print(f"{name}: cold median {timings[name]['median_ms']:.0f} ms, max {timings[name]['max_ms']:.0f} ms")
    return timings


def run_rounds(args, env, data, personas):
    mix = url_mix(data)
    last_month = data["last"][:7]
    port = benchlib.pick_port(8100, 8149)
    with benchlib.Processes(env, port=port, workers=args.workers, celery=True) as processes:
        cookies = {username: benchlib.sign_in(port, username, PASSWORD) for username in personas}
        sessions = list(cookies.values())
        checked = check_mix(port, sessions, mix)
        trivial_script = benchlib.wrk_script(["/wilayah/cari/?q="], sessions, SEED)
        mix_script = benchlib.wrk_script([path for _, path in mix], sessions, SEED)
        operators = [(code, cookies[f"bench.operator.{code}"]) for code in SEASON_REGIONS]
        results = {name: [] for name in ("trivial", "cold", "warm", "season")}
        seasons = []
        loads = [os.getloadavg()]
        try:
            benchlib.wrk(port, trivial_script, duration=3)  # warm-up of the processes themselves
            for round_no in range(args.rounds):
                results["trivial"].append(benchlib.wrk(port, trivial_script, duration=args.duration))
                benchlib.flush_redis(args.redis_url)
                results["cold"].append(benchlib.wrk(port, mix_script, duration=args.duration))
                results["cold"][-1]["cache_keys_after"] = benchlib.redis_keys(args.redis_url)
                results["warm"].append(benchlib.wrk(port, mix_script, duration=args.duration))
                results["warm"][-1]["cache_keys_after"] = benchlib.redis_keys(args.redis_url)
                started = time.time()
                season = EntrySeason(port, operators, last_month, args.interval, seed=SEED + round_no)
                season.start()
                results["season"].append(benchlib.wrk(port, mix_script, duration=args.duration))
                season.stop.set()
                season.join(30)
                time.sleep(2)  # the last recompute lands
                recomputes = benchlib.sql(
                    args.database_url,
                    "SELECT count(*), count(processed_at), "
                    "percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - created_at)), "
                    "max(extract(epoch FROM processed_at - created_at)) "
                    "FROM coverage_recomputerequest WHERE created_at >= to_timestamp(%s)",
                    [started],
                )[0]
                seasons.append(
                    {"saves": season.saves, "failures": season.failures, "outbox_rows": recomputes[0],
                     "processed": recomputes[1], "median_s_to_processed": recomputes[2],
                     "max_s_to_processed": recomputes[3]}
                )  # fmt: skip
                loads.append(os.getloadavg())
                print(
                    f"round {round_no + 1}: "
                    + ", ".join(f"{k} p95 {v[-1]['p95_ms']:.0f} ms {v[-1]['rps']:.0f}/s" for k, v in results.items())
                    + f"; {len(season.saves)} saves in the season",
                    flush=True,
                )
        finally:
            os.unlink(trivial_script)
            os.unlink(mix_script)
        log_dir = str(processes.log_dir)
    return {
        "results": results,
        "seasons": seasons,
        "loads": loads,
        "checked": checked,
        "mix_size": len(mix),
        "mix_distinct_urls": len({path for _, path in mix}),
        "mix_by_category": {name: sum(1 for n, _ in mix if n == name) for name, _ in checked.items()},
        "log_dir": log_dir,
    }


def summarise(results):
    summary = {}
    for name, runs in results.items():
        summary[name] = {
            key: statistics.median(run[key] for run in runs) for key in ("p50_ms", "p95_ms", "p99_ms", "rps")
        }
        summary[name]["errors"] = sum(run["errors"] + run["not_200"] for run in runs)
        summary[name]["requests"] = sum(run["requests"] for run in runs)
    for name, runs in results.items():
        ratios = [
            {
                "rps": run["rps"] / trivial["rps"],
                "p95": run["p95_ms"] / trivial["p95_ms"],
                "p50": run["p50_ms"] / trivial["p50_ms"],
                "p99": run["p99_ms"] / trivial["p99_ms"],
            }
            for run, trivial in zip(runs, results["trivial"], strict=True)
        ]
        summary[name]["ratio_to_trivial"] = {
            key: statistics.median(r[key] for r in ratios) for key in ("rps", "p50", "p95", "p99")
        }
        summary[name]["ratio_to_trivial_per_round"] = ratios
    return summary


def markdown(summary, measured, args):
    loads = [round(load[0], 2) for load in measured["loads"]]
    lines = [
        f"gunicorn {args.workers} sync workers + Procfile Celery worker, Redis cache, DEBUG off; wrk -t2 -c16, "
        f"{args.rounds} rounds x {args.duration} s per run, medians; 40 sessions; 1-min load average at start "
        f"and after each round {loads}.",
        "",
        "| run | p50 (ms) | p95 (ms) | p99 (ms) | req/s | req/s / trivial | p95 / trivial | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, entry in summary.items():
        ratio = entry["ratio_to_trivial"]
        lines.append(
            f"| {name} | {entry['p50_ms']:.1f} | {entry['p95_ms']:.1f} | {entry['p99_ms']:.1f} | {entry['rps']:.0f} "
            f"| {ratio['rps']:.2f} | {ratio['p95']:.1f} | {entry['errors']} |"
        )
    saves = [len(season["saves"]) for season in measured["seasons"]]
    lines.append("")
    lines.append(f"Entry season: saves per round {saves}; outbox rows processed per round "
                 f"{[s['processed'] for s in measured['seasons']]}.")  # fmt: skip
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/ucj_dash_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--setup", action="store_true", help="Prepare the dataset and the personas first.")
    parser.add_argument("--no-measure", action="store_true", help="With --setup: only set up.")
    parser.add_argument("--duration", type=int, default=20, help="Seconds per run (default 20).")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--interval", type=float, default=10.0, help="Seconds between entry-season saves.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (Procfile: WEB_CONCURRENCY, 2).")
    parser.add_argument("--per-category", action="store_true", help="Instead: one cold request at a time per category.")
    args = parser.parse_args()
    if not 1 <= args.duration <= 120 or not 1 <= args.rounds <= 10 or not 1 <= args.workers <= 16:
        parser.error("--duration must be 1..120, --rounds 1..10, --workers 1..16")
    env = benchlib.environment(args.database_url, args.redis_url)
    if args.setup:
        setup(args, env)
        if args.no_measure:
            return
    benchlib.ensure_wrk()
    benchlib.require_migrated(env, "bench/bench_pages.py")
    personas = people(env)
    data = codes(env)
    if args.per_category:
        timings = per_category(args, env, data, personas)
        out = ROOT / "bench" / "results" / f"pages-cold-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}.json"
        out.write_text(json.dumps({"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                   "load": os.getloadavg(), "per_category": timings}, indent=2) + "\n")  # fmt: skip
        return
    measured = run_rounds(args, env, data, personas)
    summary = summarise(measured["results"])
    report = markdown(summary, measured, args)
    out = ROOT / "bench" / "results" / f"pages-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}.json"
    out.parent.mkdir(exist_ok=True)
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    raw = {"when": when, "args": vars(args), "summary": summary, **measured}
    out.write_text(json.dumps(raw, indent=2, default=str) + "\n")
    print(report)
    print(f"\n(raw figures: {out.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
