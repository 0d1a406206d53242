# cmdbgen tasks. Every target is a command or two that CI or a person runs.
.PHONY: all help build test generate bless check fmt clippy \
	import estimate validate bench bench-online neo4j-up neo4j-down clean report \
	install uninstall image readme-examples

CARGO ?= cargo

## Customer pipeline settings (docs/operations.md). CUSTOMER picks
## $(PROFILE_DIR)/$(CUSTOMER).toml, or the built-in profile of that name.
CUSTOMER ?=
PROFILE_DIR ?= fixtures/profiles
OUT_DIR ?= out
FORMAT ?= csv
THREADS ?=
DATABASE ?= neo4j
NEO4J_HOME ?=
NEO4J_CONTAINER ?= cmdbgen-neo4j
HISTORY ?= $(OUT_DIR)/history.jsonl
IMPORT_FLAGS ?=
CMDBGEN ?= target/release/cmdbgen
DOCKER ?= docker
COMPOSE ?= $(DOCKER) compose
EDITION ?= community
NEO4J_VERSION ?= 5.26
NEO4J_DATA_DIR ?= $(OUT_DIR)/neo4j/data
NEO4J_LOGS_DIR ?= $(OUT_DIR)/neo4j/logs
PREFIX ?= $(HOME)/.local
DESTDIR ?=
INSTALL_BIN_DIR = $(DESTDIR)$(PREFIX)/bin
INSTALL_MAN_DIR = $(DESTDIR)$(PREFIX)/share/man/man1
INSTALL_BASH_DIR = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
INSTALL_ZSH_DIR = $(DESTDIR)$(PREFIX)/share/zsh/site-functions
INSTALL_FISH_DIR = $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
IMAGE ?= cmdbgen:0.1.0
ifeq ($(CUSTOMER),)
PROFILE ?= small
else
PROFILE ?= $(if $(wildcard $(PROFILE_DIR)/$(CUSTOMER).toml),$(PROFILE_DIR)/$(CUSTOMER).toml,$(CUSTOMER))
endif
OUT ?= out/$(PROFILE)
BUNDLE = $(OUT_DIR)/$(CUSTOMER)
ESTIMATE_FILE = $(OUT_DIR)/$(CUSTOMER).estimate.json
# Build the release binary only when it is the one being used.
BUILD_DEP = $(if $(filter target/release/cmdbgen,$(CMDBGEN)),build,)
PIPELINE = scripts/pipeline.sh
export CUSTOMER PROFILE PROFILE_DIR OUT_DIR FORMAT THREADS DATABASE NEO4J_HOME \
	NEO4J_CONTAINER HISTORY CMDBGEN COMPOSE NEO4J_VERSION NEO4J_DATA_DIR NEO4J_LOGS_DIR
export NEO4J_IMPORT_DIR ?= $(OUT_DIR)
export NEO4J_IMAGE_EDITION = $(if $(filter enterprise,$(EDITION)),-enterprise,)

all: build

## List the targets, one line each (the first line of the comment above each).
help:
	@awk '/^## / { if (c == "") c = substr($$0, 4); next } \
	     /^[a-z][a-z0-9-]*:/ { n = $$0; sub(/:.*/, "", n); if (c != "") printf "  %-14s %s\n", n, c; c = ""; next } \
	     { c = "" }' $(MAKEFILE_LIST)

## The release binary (target/release/cmdbgen).
build:
	$(CARGO) build --release --locked

## The default job: a bundle of the built-in default profile (or of CUSTOMER).
generate: $(BUILD_DEP)
ifeq ($(CUSTOMER),)
	$(CMDBGEN) generate --profile $(PROFILE) --out $(OUT)
else
	$(PIPELINE) generate
endif

## The test command (README): installs DuckDB, Ladybug and Neo4j, runs every test.
test:
	scripts/test.sh

## Regenerate the golden fixture; review the diff before committing.
bless:
	CMDBGEN_BLESS=1 $(CARGO) test --test integration golden
	CMDBGEN_BLESS=1 $(CARGO) test --lib docs_model_md_is_current

## Formatting check (cargo fmt).
fmt:
	$(CARGO) fmt --all -- --check

## Lints, warnings as errors.
clippy:
	$(CARGO) clippy --all-targets --locked -- -D warnings

## fmt, clippy and the whole test suite.
check: fmt clippy test

## A customer's whole load: estimate (when available) -> generate -> validate
## (when available) -> scripts/import.sh. IMPORT_FLAGS go to import.sh, e.g.
## IMPORT_FLAGS="--overwrite-destination --start-server".
import: $(BUILD_DEP)
	ESTIMATE=auto $(PIPELINE) estimate
	$(PIPELINE) generate
	$(PIPELINE) validate
	scripts/import.sh --database $(DATABASE) --customer $(CUSTOMER) --history $(HISTORY) \
		$$([ -f $(ESTIMATE_FILE) ] && echo --estimate $(ESTIMATE_FILE)) $(IMPORT_FLAGS) $(BUNDLE)

## Capacity estimate for CUSTOMER (needs `cmdbgen estimate`).
estimate: $(BUILD_DEP)
	$(PIPELINE) estimate

## Validate CUSTOMER's bundle (needs `cmdbgen validate`).
validate: $(BUILD_DEP)
	VALIDATE=yes $(PIPELINE) validate

## Benchmarks (scripts/bench.sh; results are not tests).
bench: build
	@[ -x scripts/bench.sh ] || { echo "make bench: scripts/bench.sh is not on this branch" >&2; exit 2; }
	scripts/bench.sh

## Neo4j 5.26 in Docker (docker-compose.yml): EDITION=enterprise needs
## NEO4J_ACCEPT_LICENSE_AGREEMENT=yes (or eval). NEO4J_PASSWORD is required.
neo4j-up:
	@if ! command -v $(DOCKER) >/dev/null 2>&1; then why="no $(DOCKER) command"; \
	elif ! $(DOCKER) info >/dev/null 2>&1; then why="the Docker daemon does not answer ($(DOCKER) info failed)"; \
	elif ! $(COMPOSE) version >/dev/null 2>&1; then why="no Docker compose ($(COMPOSE) version failed)"; \
	else exit 0; fi; \
	echo "make neo4j-up: no running Docker: $$why; without Docker use scripts/install-neo4j.sh or a local Neo4j 5 (NEO4J_HOME=...)" >&2; exit 2
	mkdir -p $(NEO4J_DATA_DIR) $(NEO4J_LOGS_DIR) $(NEO4J_IMPORT_DIR)
	NEO4J_UID=$$(id -u) NEO4J_GID=$$(id -g) $(COMPOSE) up -d --wait

## Stops and removes the container; the data folder stays.
neo4j-down:
	$(COMPOSE) down

## Installs cmdbgen, its man pages and bash/zsh/fish completions under
## PREFIX (~/.local), below DESTDIR when set; CMDBGEN picks the binary.
install: $(BUILD_DEP)
	install -d $(INSTALL_BIN_DIR) $(INSTALL_MAN_DIR) $(INSTALL_BASH_DIR) $(INSTALL_ZSH_DIR) $(INSTALL_FISH_DIR)
	install -m 755 $(CMDBGEN) $(INSTALL_BIN_DIR)/cmdbgen
	$(CMDBGEN) man $(INSTALL_MAN_DIR)
	$(CMDBGEN) completions bash > $(INSTALL_BASH_DIR)/cmdbgen
	$(CMDBGEN) completions zsh > $(INSTALL_ZSH_DIR)/_cmdbgen
	$(CMDBGEN) completions fish > $(INSTALL_FISH_DIR)/cmdbgen.fish
	@echo "installed $(INSTALL_BIN_DIR)/cmdbgen (man pages in $(INSTALL_MAN_DIR))"

## Removes what make install put under PREFIX.
uninstall:
	rm -f $(INSTALL_BIN_DIR)/cmdbgen $(INSTALL_MAN_DIR)/cmdbgen.1 $(INSTALL_MAN_DIR)/cmdbgen-*.1 \
		$(INSTALL_BASH_DIR)/cmdbgen $(INSTALL_ZSH_DIR)/_cmdbgen $(INSTALL_FISH_DIR)/cmdbgen.fish

## The container image (Dockerfile): cmdbgen and the scripts, as IMAGE.
image:
	$(DOCKER) build -t $(IMAGE) .

## Runs every shell example of README.md in a scratch copy (skips: see the script).
readme-examples: build
	scripts/readme-examples.sh

## Removes CUSTOMER's bundle and estimate only (never other customers' or the history).
clean:
	$(PIPELINE) clean

## Load times per customer and size, from the metrics history.
report: $(BUILD_DEP)
	$(CMDBGEN) report --history $(HISTORY)
## Online loader throughput against a real Neo4j (docs/online.md).
bench-online:
	scripts/bench-online.sh
