# Two commands for a fresh machine: `make demo` and `make test` (see README.md).
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export PIP_DISABLE_PIP_VERSION_CHECK = 1

.PHONY: demo demo-logs test test-python test-frontend venv chromium bundle clean

venv: $(VENV)/.installed

$(VENV)/.installed: setup.py requirements-dev.txt
	@echo "==> Creating the virtualenv $(VENV) (first time: a few minutes, TensorFlow and PyTorch are large)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@echo "==> Installing tb_confusion (editable) with TensorFlow, PyTorch (CPU), scikit-learn and test tools"
	@$(PY) -m pip install -q -e . -r requirements-dev.txt
	@touch $@

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "==> Installing Chromium from Debian's packages (for the browser tests)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# The panel's modules in one file (served in their place while it matches them; see frontend/bundle.py).
bundle: venv node_modules/.installed
	@$(PY) frontend/bundle.py

node_modules/.installed: package.json package-lock.json
	@echo "==> Installing the panel's bundler (esbuild, from npm)"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

demo: venv bundle
	@$(PY) demo/run_demo.py $(ARGS)

demo-logs: venv bundle
	@$(PY) demo/run_demo.py --no-serve $(ARGS)

test: venv chromium bundle test-frontend test-python

test-frontend:
	@echo "==> Frontend unit tests (node --test)"
	@node --test frontend/test/*.test.js

test-python: venv
	@echo "==> Python tests: metrics vs scikit-learn, writers, Keras, the plugin in a real tensorboard, the panel in headless Chromium"
	@$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info artifacts demo_logs node_modules frontend/src/index.bundle.js
