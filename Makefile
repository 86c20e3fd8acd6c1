# Two commands: `make demo` and `make test`. Each sets itself up in .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test bench lint format clean translations chromium

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/momentos demo $(ARGS)

test: install chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint Dockerfile
	$(BIN)/python -m momentos.configdoc --check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The benchmark suite (bench/run_all.py): one table, as README.md shows it; default sizes
# take a few minutes, `make bench ARGS=--full` the sizes the issues name.
bench: install
	$(BIN)/python bench/run_all.py $(ARGS)

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The admin UI's Spanish: after changing a string, run this, translate each empty msgstr in
# messages.po, run it again (it compiles messages.mo), and commit both files.
UI := momentos/web/ui
translations: install
	mkdir -p build
	$(BIN)/pybabel -q extract -F $(UI)/babel.cfg -k _l -k lazy_gettext --no-location \
		--sort-output --omit-header -w 100 -o build/messages.pot $(UI)
	$(BIN)/pybabel -q update -i build/messages.pot -d $(UI)/translations -l es \
		--ignore-obsolete --no-fuzzy-matching -w 100
	$(BIN)/pybabel -q compile -d $(UI)/translations

# Debian's Chromium for the browser tests (tests/browser; root needed). Without it they
# skip, except under CI, where .ci/run installs it first.
chromium:
	command -v chromium >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

clean:
	rm -rf $(VENV) .demo .pytest_cache .ruff_cache
