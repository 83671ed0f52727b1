# The two commands a newcomer needs: `make run` opens the app, `make test` runs the whole suite.
# Both create (or refresh) the virtual environment first; nothing is installed by hand.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-test
# Exact versions for every supported Python (markers inside), so an upstream release cannot break
# a fresh clone. `make lock` refreshes it; `make test-latest` tries the newest releases instead.
LOCK := requirements-lock.txt

# Debian packages Qt's xcb platform needs for a real window (the offscreen platform needs none).
XCB_PACKAGES := libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-cursor0 \
	libxkbcommon-x11-0 libxcb-xkb1 libxcb-shape0 libxcb-randr0

.PHONY: run test test-other-pythons test-latest lock lint format bench clean system-deps

# The environment is refreshed when pyproject.toml or the lock changed, rebuilt when its
# interpreter no longer runs.
$(STAMP): pyproject.toml $(LOCK)
	@sh tools/venv.sh $(PYTHON) $(VENV) $(LOCK)

run: $(STAMP) system-deps
	$(BIN)/inspector $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)
	@$(MAKE) --no-print-directory test-other-pythons

# The whole suite runs above on $(PYTHON); here the capture tests and a full app start (the tests
# marked capture or every_python) run on each other Python from 3.11 to 3.14 that the machine has
# (found by tools/pythons.sh), each in its own locked environment under .venvs/.
test-other-pythons: $(STAMP)
	@set -e; main=$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	for minor in 3.11 3.12 3.13 3.14; do \
		if [ "$$minor" = "$$main" ]; then continue; fi; \
		py=$$(sh tools/pythons.sh $$minor); \
		if [ -z "$$py" ]; then echo "Python $$minor: not on this machine, not tested."; continue; fi; \
		env=.venvs/py$$minor; \
		if [ ! $$env/.installed-test -nt pyproject.toml ] || [ ! $$env/.installed-test -nt $(LOCK) ]; then \
			sh tools/venv.sh $$py $$env $(LOCK); fi; \
		echo "Python $$minor with mitmproxy $$($$env/bin/python -c 'import mitmproxy.version as v; print(v.VERSION)'): capture tests and an app start"; \
		QT_QPA_PLATFORM=offscreen $$env/bin/python -m pytest -m "capture or every_python" $(PYTEST_ARGS); \
	done

# The whole suite against the newest releases pyproject.toml allows, to see drift before users do.
test-latest:
	@sh tools/venv.sh $(PYTHON) .venvs/latest latest
	QT_QPA_PLATFORM=offscreen .venvs/latest/bin/python -m pytest $(PYTEST_ARGS)

# Refresh the lock to today's newest releases (then run `make test` and commit it).
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra test --universal --python-version 3.11 --upgrade \
		--quiet -o $(LOCK)

lint: $(STAMP)
	$(BIN)/deptry inspector addons
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
	rm -rf $(VENV) .venvs build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
