# The README's two commands: `make demo` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EXTRAS := data,s3,train,ray,dev
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)

.PHONY: demo test install system-deps lint clean

demo: install
	$(BIN)/suanli demo

test: install system-deps
	$(BIN)/python -m pytest

install: $(STAMP)

# torch is installed on its own, pinned, first: a CPU wheel from this machine's disk (an unpinned
# torch, even pulled in by another package, downloads a multi-GB CUDA build).
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -c constraints.txt numpy torch==2.13.0
	$(BIN)/pip install -q --disable-pip-version-check -c constraints.txt -e '.[$(EXTRAS)]'
	rm -f $(VENV)/.installed-*
	touch $@

system-deps:
	./scripts/install-system-deps.sh

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .test-output build *.egg-info
