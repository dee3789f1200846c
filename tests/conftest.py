"""Shared fixtures: the real services, a small region tree, offices and the named personas.

The suite runs against the real PostgreSQL and Redis (addresses in pyproject.toml). If either
is unreachable the whole run stops with an error: tests never silently skip a service.
"""

from datetime import date

import pytest
from django.conf import settings

from regions.models import Office, OfficeKind, Role, Territory, UserRole
from tests.factories import make_region

PASSWORD = "Rahasia-Uji-2025"


def pytest_sessionstart(session):
    problems = []
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        problems.append(f"the test database must be PostgreSQL (DATABASE_URL), got {engine}")
    else:
        import psycopg2

        db = settings.DATABASES["default"]
        try:
            psycopg2.connect(
                dbname="postgres",
                user=db.get("USER") or None,
                host=db.get("HOST") or None,
                port=db.get("PORT") or None,
                password=db.get("PASSWORD") or None,
                connect_timeout=5,
            ).close()
        except psycopg2.OperationalError as exc:
            problems.append(f"PostgreSQL is not reachable at {db.get('HOST')}:{db.get('PORT')}: {exc}")
    if not settings.REDIS_URL:
        problems.append("REDIS_URL is not set: the tests need Redis")
    else:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=5).ping()
        except redis.RedisError as exc:
            problems.append(f"Redis is not reachable at {settings.REDIS_URL}: {exc}")
    if problems:
        hint = "Start them (see README, 'Services') or run `make test`, which starts nothing but checks them."
        pytest.exit("Required services missing:\n- " + "\n- ".join(problems) + "\n" + hint, returncode=3)


# Every real database has ids past 999; a fresh test database starts at 1 and would hide an id
# printed as "79.709" (the verification queue's checkboxes did, and nothing could be decided).
FIRST_ID = 100_000


def _ids_from(first):
    """Every id sequence that would hand out an id below ``first`` starts at ``first``."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schemaname, sequencename FROM pg_sequences "
            "WHERE schemaname = current_schema() AND COALESCE(last_value, 0) < %s",
            [first],
        )
        for schema, name in cursor.fetchall():
            cursor.execute("SELECT setval(%s::regclass, %s, false)", [f'"{schema}"."{name}"', first])


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with every id sequence starting at 100,000."""
    with django_db_blocker.unblock():
        _ids_from(FIRST_ID)


def _uses_database(module):
    marks = getattr(module, "pytestmark", [])
    return any(mark.name == "django_db" for mark in (marks if isinstance(marks, list) else [marks]))


@pytest.fixture(autouse=True, scope="module")
def _ids_stay_high(request):
    """A module that flushes the database (the demo's story) restarts the sequences at 1; the next
    module that uses the database starts them at 100,000 again."""
    if _uses_database(request.module):
        request.getfixturevalue("django_db_setup")
        with request.getfixturevalue("django_db_blocker").unblock():
            _ids_from(FIRST_ID)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render pages without running collectstatic first (production uses the manifest)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _indonesian():
    """Every test starts in Indonesian: a request in English leaves English active in the thread."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def region_tree(db):
    """A small slice of the real tree: Jawa Timur with Malang and Blitar, Sumatera Barat, Bali."""
    regions = {
        "ID": make_region("ID"),
        "35": make_region("35", "Jawa Timur"),
        "35.73": make_region("35.73", "Kota Malang"),
        "35.73.01": make_region("35.73.01", "Blimbing"),
        "35.73.02": make_region("35.73.02", "Klojen"),
        "35.73.01.1001": make_region("35.73.01.1001", "Jodipan"),
        "35.73.01.1002": make_region("35.73.01.1002", "Polehan"),
        "35.07": make_region("35.07", "Kabupaten Malang"),
        "35.07.01": make_region("35.07.01", "Donomulyo"),
        "35.05": make_region("35.05", "Kabupaten Blitar"),
        "35.05.01": make_region("35.05.01", "Bakung"),
        "13": make_region("13", "Sumatera Barat"),
        "13.11": make_region("13.11", "Kabupaten Solok Selatan"),
        "51": make_region("51", "Bali"),
        "19": make_region("19", "Kepulauan Bangka Belitung"),
        "19.71": make_region("19.71", "Kota Pangkal Pinang"),
    }
    return regions


@pytest.fixture
def offices(region_tree):
    kanwil = Office.objects.create(code="KW-JATIM", name="Kanwil Jawa Timur", kind=OfficeKind.KANWIL)
    malang = Office.objects.create(code="KC-MALANG", name="Malang", kind=OfficeKind.BRANCH, parent=kanwil)
    kepanjen = Office.objects.create(code="KC-KEPANJEN", name="Malang Kepanjen", kind=OfficeKind.BRANCH, parent=kanwil)
    blitar = Office.objects.create(code="KC-BLITAR", name="Blitar", kind=OfficeKind.BRANCH, parent=kanwil)
    start = date(2020, 1, 1)
    Territory.objects.create(office=malang, region=region_tree["35.73"], valid_from=start)
    Territory.objects.create(office=kepanjen, region=region_tree["35.07"], valid_from=start)
    Territory.objects.create(office=blitar, region=region_tree["35.05"], valid_from=start)
    return {"kanwil": kanwil, "malang": malang, "kepanjen": kepanjen, "blitar": blitar}


def _user(django_user_model, username, **extra):
    return django_user_model.objects.create_user(username=username, password=PASSWORD, **extra)


@pytest.fixture
def admin_user(django_user_model, region_tree):
    return _user(django_user_model, "admin", is_staff=True, is_superuser=True)


@pytest.fixture
def operator_kota_malang(django_user_model, region_tree):
    user = _user(django_user_model, "operator.kotamalang", first_name="Sri", last_name="Wahyuni")
    UserRole.objects.create(user=user, role=Role.OPERATOR, region=region_tree["35.73"])
    return user


@pytest.fixture
def operator_kab_blitar(django_user_model, region_tree):
    """The outsider: a Pemda operator of another region."""
    user = _user(django_user_model, "operator.blitar", first_name="Agus", last_name="Santoso")
    UserRole.objects.create(user=user, role=Role.OPERATOR, region=region_tree["35.05"])
    return user


@pytest.fixture
def verifier_malang(django_user_model, offices):
    user = _user(django_user_model, "verifikator.malang", first_name="Dewi", last_name="Lestari")
    UserRole.objects.create(user=user, role=Role.VERIFIER, office=offices["malang"])
    return user


@pytest.fixture
def branch_head_malang(django_user_model, offices):
    user = _user(django_user_model, "kacab.malang", first_name="Budi", last_name="Hartono")
    UserRole.objects.create(user=user, role=Role.BRANCH_HEAD, office=offices["malang"])
    return user


@pytest.fixture
def personas(admin_user, operator_kota_malang, operator_kab_blitar, verifier_malang, branch_head_malang):
    return {
        "admin": admin_user,
        "operator_kota_malang": operator_kota_malang,
        "operator_kab_blitar": operator_kab_blitar,
        "verifier_malang": verifier_malang,
        "branch_head_malang": branch_head_malang,
    }
