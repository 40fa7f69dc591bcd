# Two entry points for people: `make demo` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The package is installed as a link tree (editable_mode=strict) so that mypy and import-linter
# see `ssa_risk` as the wheel lays it out; a module added or removed means installing again.
FILES  := $(VENV)/.package-files
PACKAGE_FILES := $(shell find engine rules profiles templates -type f \( -name '*.py' -o -name '*.json' -o -name '*.yaml' -o -name '*.j2' -o -name py.typed \) 2>/dev/null | LC_ALL=C sort)

.PHONY: demo test lint typecheck unit bench fuzz schema golden clean FORCE

$(FILES): FORCE
	@mkdir -p $(VENV)
	@echo '$(PACKAGE_FILES)' | cmp -s - $@ || echo '$(PACKAGE_FILES)' > $@

$(STAMP): pyproject.toml $(FILES)
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if (3, 11) <= v[:2] < (3, 13) else "ssa-risk needs Python 3.11 or 3.12; found %d.%d. Run: make PYTHON=python3.11 ..." % v[:2])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' --config-settings editable_mode=strict
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ssa-risk assess --out-dir reports
	$(BIN)/ssa-risk assess profiles/tunisia --format html --out-dir reports
	$(BIN)/ssa-risk assess profiles/tunisia --format pdf --out-dir reports
	$(BIN)/ssa-risk proposal proposals/tunisia-2020.yaml --decision proposals/tunisia-2020.decision.yaml --out-dir reports
	$(BIN)/ssa-risk proposal proposals/tunisia-2020.yaml --decision proposals/tunisia-2020.decision.yaml --format pdf --out-dir reports
	$(BIN)/ssa-risk portfolio --out-dir reports --quiet
	$(BIN)/ssa-risk portfolio --format html --out-dir reports --quiet
	$(BIN)/ssa-risk site -o site

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy benchmarks

unit: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck unit

# Regenerate the golden reports under tests/golden/; review them with `git diff` before committing.
golden: $(STAMP)
	$(BIN)/python -m tests.golden

# Regenerate the published schemas of profiles, rule files, scoring.yaml, backtest outcome
# files, proposals, decision records and approvals.yaml from their Python definitions (engine/profile/schema.py, engine/rules/schema.py,
# engine/comparison/outcome.py).
schema: $(STAMP)
	$(BIN)/python -c 'from ssa_risk.profile.schema import profile_schema_json; open("engine/schemas/profile.schema.json", "w").write(profile_schema_json())'
	$(BIN)/python -c 'from ssa_risk.rules.schema import rules_schema_json as j; open("engine/schemas/rules.schema.json", "w").write(j())'
	$(BIN)/python -c 'from ssa_risk.rules.schema import scoring_schema_json as j; open("engine/schemas/scoring.schema.json", "w").write(j())'
	$(BIN)/python -c 'from ssa_risk.comparison.outcome import outcome_schema_json as j; open("engine/schemas/outcome.schema.json", "w").write(j())'
	$(BIN)/python -c 'from ssa_risk.profile.proposal_schema import proposal_schema_json as j; open("engine/schemas/proposal.schema.json", "w").write(j())'
	$(BIN)/python -c 'from ssa_risk.profile.proposal_schema import decision_schema_json as j; open("engine/schemas/decision.schema.json", "w").write(j())'
	$(BIN)/python -c 'from ssa_risk.rules.approvals import approvals_schema_json as j; open("engine/schemas/approvals.schema.json", "w").write(j())'

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_assess.py
	$(BIN)/python benchmarks/bench_report.py
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_profile_size.py
	$(BIN)/python benchmarks/bench_programmes.py
	$(BIN)/python benchmarks/bench_parallel.py
	$(BIN)/python benchmarks/bench_proposal.py
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_html.py
	$(BIN)/python benchmarks/bench_soak.py
	$(BIN)/python benchmarks/bench_rules_1000.py

# Long fuzzing run (tests/fuzz/): FUZZ_CASES cases; a reproduction of each failure in FUZZ_OUT.
FUZZ_CASES ?= 100000
FUZZ_OUT   ?= fuzz-failures
fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz.run --cases $(FUZZ_CASES) --out $(FUZZ_OUT) $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) reports site build *.egg-info .mypy_cache .pytest_cache .ruff_cache .import_linter_cache
