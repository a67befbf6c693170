# Two commands do everything (see README.md):
#   make demo   set up, load the demo data and start the portal on the embedded default (SQLite)
#   make test   set up and run the whole test suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1:8000
# WeasyPrint needs Pango and HarfBuzz (with its subsetting library: without it font embedding takes
# a ~40x slower path); Chinese PDFs need CJK fonts; gettext compiles the English translation.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
	fonts-wqy-microhei gettext poppler-utils zbar-tools
# The browser journeys (tests/e2e/) drive Debian's Chromium; Playwright never downloads one.
TEST_PACKAGES := $(SYSTEM_PACKAGES) chromium

.PHONY: demo test e2e setup system-packages

demo: setup
	$(PY) manage.py migrate --noinput
	SITE_URL=http://$(HOST) $(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST)

test: PACKAGES = $(TEST_PACKAGES)
test: setup
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Only the browser journeys; screenshots of each journey's last step land in var/e2e/.
e2e: PACKAGES = $(TEST_PACKAGES)
e2e: setup
	$(VENV)/bin/pytest tests/e2e $(PYTEST_ARGS)

setup: system-packages $(VENV)/.installed
	@$(PY) manage.py compilemessages --ignore=.venv -v 0 || echo "English pages need gettext (msgfmt)."

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $@

system-packages:
	@command -v dpkg >/dev/null || { echo "Not Debian: install Pango, HarfBuzz (with hb-subset), CJK fonts and gettext yourself."; exit 0; }; \
	missing=$$(for p in $(or $(PACKAGES),$(SYSTEM_PACKAGES)); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "Installing system packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else \
		echo "缺少系统软件包 / Missing system packages:" $$missing; \
		echo "请运行 / Please run: sudo apt-get install" $$missing; \
		exit 1; \
	fi
