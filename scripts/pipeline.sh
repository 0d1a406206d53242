#!/usr/bin/env bash
# pipeline.sh - one step of a customer's load, as `make` runs it.
#
# usage: scripts/pipeline.sh estimate|generate|validate|clean
#
# `make import CUSTOMER=x` runs: estimate (when this cmdbgen has it) ->
# generate -> validate (when this cmdbgen has it) -> scripts/import.sh.
#
# Environment (the Makefile sets these):
#   CUSTOMER     customer name: fixtures/profiles/$CUSTOMER.toml or a built-in
#                profile of that name
#   PROFILE      profile name or file (default: from CUSTOMER)
#   PROFILE_DIR  where customer profiles live (fixtures/profiles)
#   OUT_DIR      output root (out); the bundle is $OUT_DIR/$CUSTOMER
#   FORMAT       csv | csv-gz | parquet (csv)
#   THREADS      worker threads (empty: all cores)
#   CMDBGEN      the cmdbgen binary (target/release/cmdbgen)
#   HISTORY      metrics history file ($OUT_DIR/history.jsonl)
#   ESTIMATE     auto (skip when unavailable) | yes (required) | no
#   VALIDATE     auto (skip when unavailable) | yes (required) | no
#   GENERATE_FLAGS  extra flags for cmdbgen generate (e.g. --seed 7 --force)
set -euo pipefail

say() { printf 'pipeline: %s\n' "$*" >&2; }
die() { local code="$1"; shift; printf 'pipeline: error: %s\n' "$*" >&2; exit "$code"; }

STEP="${1:-}"
[ -n "${CUSTOMER:-}" ] || die 2 "CUSTOMER is not set (e.g. make $STEP CUSTOMER=acme)"
if ! [[ "$CUSTOMER" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]; then
  die 2 "CUSTOMER='$CUSTOMER' must be letters, digits, '.', '_' or '-' (it names a folder)"
fi
PROFILE_DIR="${PROFILE_DIR:-fixtures/profiles}"
if [ -z "${PROFILE:-}" ]; then
  if [ -f "$PROFILE_DIR/$CUSTOMER.toml" ]; then PROFILE="$PROFILE_DIR/$CUSTOMER.toml"; else PROFILE="$CUSTOMER"; fi
fi
OUT_DIR="${OUT_DIR:-out}"
BUNDLE="$OUT_DIR/$CUSTOMER"
FORMAT="${FORMAT:-csv}"
CMDBGEN="${CMDBGEN:-target/release/cmdbgen}"
HISTORY="${HISTORY:-$OUT_DIR/history.jsonl}"
ESTIMATE_FILE="$OUT_DIR/$CUSTOMER.estimate.json"
read -r -a GENERATE_FLAGS <<< "${GENERATE_FLAGS:-}"

has_sub() { "$CMDBGEN" "$1" --help >/dev/null 2>&1; }
[ -x "$CMDBGEN" ] || command -v "$CMDBGEN" >/dev/null 2>&1 || die 2 "cmdbgen binary '$CMDBGEN' not found (make build, or set CMDBGEN)"

format_flags() {
  case "$FORMAT" in
    csv) FMT_FLAGS=() ;;
    csv-gz) FMT_FLAGS=(--gzip) ;;
    parquet)
      "$CMDBGEN" generate --help 2>/dev/null | grep -q -- '--format' ||
        die 2 "FORMAT=parquet: this cmdbgen has no Parquet output; use FORMAT=csv or csv-gz"
      FMT_FLAGS=(--format parquet) ;;
    *) die 2 "FORMAT must be csv, csv-gz or parquet (got '$FORMAT')" ;;
  esac
}

case "$STEP" in
  estimate)
    MODE="${ESTIMATE:-yes}"
    [ "$MODE" != no ] || { say "estimate skipped (ESTIMATE=no)"; exit 0; }
    if ! has_sub estimate; then
      [ "$MODE" = auto ] && { say "cmdbgen estimate is not in this build; skipping the estimate"; exit 0; }
      die 2 "'$CMDBGEN estimate' is not available in this build"
    fi
    mkdir -p "$OUT_DIR"
    EST=(estimate --profile "$PROFILE" --format "$FORMAT")
    # The free-space check needs the target folder, where the estimate has it.
    if "$CMDBGEN" estimate --help 2>/dev/null | grep -q -- '--out'; then EST+=(--out "$BUNDLE"); fi
    "$CMDBGEN" "${EST[@]}"
    # The JSON form feeds scripts/import.sh (heap, --max-off-heap-memory).
    "$CMDBGEN" "${EST[@]}" --json > "$ESTIMATE_FILE.tmp"
    mv "$ESTIMATE_FILE.tmp" "$ESTIMATE_FILE"
    say "estimate written to $ESTIMATE_FILE"
    ;;
  generate)
    format_flags
    ARGS=(generate --profile "$PROFILE" --out "$BUNDLE" --customer "$CUSTOMER" --history "$HISTORY" "${FMT_FLAGS[@]}")
    [ -z "${THREADS:-}" ] || ARGS+=(--threads "$THREADS")
    ARGS+=("${GENERATE_FLAGS[@]}")
    say "$CMDBGEN ${ARGS[*]}"
    "$CMDBGEN" "${ARGS[@]}"
    ;;
  validate)
    MODE="${VALIDATE:-auto}"
    [ "$MODE" != no ] || { say "validate skipped (VALIDATE=no)"; exit 0; }
    [ -f "$BUNDLE/manifest.json" ] || die 2 "$BUNDLE has no manifest.json: generate it first (make generate CUSTOMER=$CUSTOMER)"
    if ! has_sub validate; then
      [ "$MODE" = auto ] && { say "cmdbgen validate is not in this build; skipping validation"; exit 0; }
      die 2 "'$CMDBGEN validate' is not available in this build"
    fi
    if "$CMDBGEN" validate "$BUNDLE"; then
      say "validated $BUNDLE"
    else
      die 1 "$BUNDLE failed validation; not importing it"
    fi
    ;;
  clean)
    # Only this customer's output: its bundle and its estimate; and only if
    # the bundle folder holds nothing but cmdbgen's and the import's files.
    if [ -d "$BUNDLE" ] && [ "${FORCE:-0}" != 1 ]; then
      for f in "$BUNDLE"/* "$BUNDLE"/.[!.]*; do
        [ -e "$f" ] || continue
        case "$(basename "$f")" in
          nodes|relationships|manifest.json|import.args|import.sh|schema.cypher|.cmdbgen|manifest.part-*-of-*.json|import-*.log|import.report*|*.tmp) ;;
          *) die 2 "$BUNDLE holds $(basename "$f"), which cmdbgen did not write; not removing it (FORCE=1 to remove anyway)" ;;
        esac
      done
    fi
    for p in "$BUNDLE" "$ESTIMATE_FILE"; do
      if [ -e "$p" ]; then say "removing $p"; rm -rf -- "$p"; fi
    done
    ;;
  *) die 2 "unknown step '$STEP' (estimate, generate, validate, clean)" ;;
esac
