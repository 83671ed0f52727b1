# The two commands a newcomer needs: `make run` opens the app, `make test` runs the whole suite.
# Both create (or refresh) the virtual environment first; nothing is installed by hand.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-test

# The mitmproxy 12 line needs Python >= 3.12. When such an interpreter exists, `make test` also
# runs the capture tests on it, in a second environment.
PY312 := $(shell for c in python3.12 python3.13 $$HOME/.pyenv/versions/3.12*/bin/python3.12; do \
	$$c -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1 && { echo $$c; break; }; done)
VENV312 ?= .venv312

# Debian packages Qt's xcb platform needs for a real window (the offscreen platform needs none).
XCB_PACKAGES := libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-cursor0 \
	libxkbcommon-x11-0 libxcb-xkb1 libxcb-shape0 libxcb-randr0

.PHONY: run test test-312 lint format bench clean system-deps

# The environment is stale when pyproject.toml changed or its interpreter no longer runs.
$(STAMP): pyproject.toml
	@$(BIN)/python -c '' 2>/dev/null || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

run: $(STAMP) system-deps
	$(BIN)/inspector $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$(PY312)" ]; then $(MAKE) --no-print-directory test-312; \
	else echo "No Python 3.12+ interpreter found: the mitmproxy 12 line was not tested."; fi

$(VENV312)/.installed-test: pyproject.toml
	@$(VENV312)/bin/python -c '' 2>/dev/null || { rm -rf $(VENV312); $(PY312) -m venv $(VENV312); }
	$(VENV312)/bin/python -m pip install --quiet --upgrade pip
	$(VENV312)/bin/python -m pip install --quiet -e '.[test]'
	@touch $@

test-312: $(VENV312)/.installed-test
	@echo "Capture tests on $$($(VENV312)/bin/python --version) with mitmproxy $$($(VENV312)/bin/python -c 'import mitmproxy.version as v; print(v.VERSION)')"
	QT_QPA_PLATFORM=offscreen $(VENV312)/bin/python -m pytest -m capture $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py --readme

# A real window needs Qt's xcb libraries; install them when missing and we may (root or sudo).
system-deps:
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] && command -v dpkg >/dev/null; then \
		missing=$$(for p in $(XCB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
		if [ -n "$$missing" ]; then \
			sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
			echo "Installing Qt's window-system libraries: $$missing"; \
			$$sudo apt-get update -qq && $$sudo apt-get install -y -qq $$missing; \
		fi; \
	fi

clean:
	rm -rf $(VENV) $(VENV312) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
