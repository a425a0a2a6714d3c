# Thin wrappers only; README gives the commands they run.
.PHONY: run test lint migrations-check messages bench
run:
	python3 dev.py run
test:
	python3 dev.py test
lint:
	.venv/bin/python -m ruff check . && .venv/bin/python -m ruff format --check .
migrations-check:
	python3 dev.py manage makemigrations --check --dry-run
messages:
	python3 dev.py manage makemessages -l zh_Hans --ignore=.venv --ignore=.local && python3 dev.py manage compilemessages --ignore=.venv
