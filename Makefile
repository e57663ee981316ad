# Herald: `make demo` to try it, `make test` to check it. Both set up .venv when needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
export PORT

.PHONY: install demo serve test lint format translations bench-page bench-fanout bench-spike bench-drill clean

# Loud on purpose: the first install takes a minute or two, and silence looks like a hang.
$(VENV)/.installed: pyproject.toml constraints.txt
	@echo "==> [1/3] Creating the virtual environment in $(VENV)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> [2/3] Upgrading pip"
	$(BIN)/python -m pip install --upgrade --progress-bar on pip
	@echo "==> [3/3] Installing Herald and its dependencies (about 80 packages)"
	$(BIN)/python -m pip install --progress-bar on -c constraints.txt -e '.[dev]'
	@echo "==> Installed."
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/herald demo --port $(PORT)

serve: install
	$(BIN)/herald db upgrade
	$(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The public pages' and subscriber messages' words in other languages (app/translations):
# extract the English, merge it into each language's catalog, compile the catalogs. The
# compiled messages.mo files are committed beside the .po files (a test checks they match),
# so a fresh clone needs no step of its own.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project Herald -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations \
		--no-fuzzy-matching --ignore-obsolete --width 100
	$(BIN)/pybabel compile -d app/translations --statistics

bench-page: install
	$(BIN)/python bench/page.py

bench-fanout: install
	$(BIN)/python bench/fanout.py $(FANOUT_ARGS)

bench-spike: install
	$(BIN)/python bench/spike.py $(SPIKE_ARGS)

bench-drill: install
	$(BIN)/python bench/drill.py $(DRILL_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
