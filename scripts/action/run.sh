#!/usr/bin/env bash
# Runs `keyledger check` for the GitHub Action (action.yml): scans what a
# pull request adds (--since its base) or the whole repository on other
# events, prints the chosen format to the log, writes SARIF for code
# scanning and a Markdown job summary, and exits with keyledger's code.
#
# Reads (the INPUT_* ones come from action.yml's inputs):
#   INPUT_ARGS            more arguments for `keyledger check` (split on whitespace)
#   INPUT_SINCE           base revision; empty: the pull request's base
#                         (origin/$GITHUB_BASE_REF), `none`: scan the tree
#   INPUT_FORMAT          what the log shows: human (default), github, json, sarif, markdown
#   INPUT_FAIL_ON         error | warning | note | never (default: fail_on in keyledger.toml, else error)
#   INPUT_WORKING_DIRECTORY  the repository root (default .)
#   INPUT_SARIF           where to write the SARIF (default $RUNNER_TEMP/keyledger.sarif)
#   GITHUB_EVENT_NAME, GITHUB_BASE_REF, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, RUNNER_TEMP
# Writes to GITHUB_OUTPUT: exit-code, sarif-file (empty when no SARIF was
# written: keyledger writes none when it cannot check, never an empty file),
# summary-file.
set -uo pipefail

notice() { printf '::notice title=keyledger::%s\n' "$*"; }
err() { printf '::error title=keyledger::%s\n' "$*"; }

tmp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
sarif="${INPUT_SARIF:-$tmp/keyledger.sarif}"
summary="$tmp/keyledger-summary.md"
format="${INPUT_FORMAT:-human}"
fail_on="${INPUT_FAIL_ON:-}"
workdir="${INPUT_WORKING_DIRECTORY:-.}"
# A stale file from an earlier step must not be uploaded as this run's.
rm -f "$sarif" "$summary"

output() { [ -n "${GITHUB_OUTPUT:-}" ] && printf '%s=%s\n' "$1" "$2" >> "$GITHUB_OUTPUT"; return 0; }

cd "$workdir" || { err "working-directory $workdir does not exist"; output exit-code 2; exit 2; }

read -r -a extra <<< "${INPUT_ARGS:-}"
has_arg() { local a; for a in ${extra[@]+"${extra[@]}"}; do [ "$a" = "$1" ] && return 0; done; return 1; }
args=(check)

# What to scan: a pull request's own changes, unless told otherwise.
since="${INPUT_SINCE:-}"
if [ -z "$since" ] && [ -n "${GITHUB_BASE_REF:-}" ] \
   && { [ "${GITHUB_EVENT_NAME:-}" = pull_request ] || [ "${GITHUB_EVENT_NAME:-}" = pull_request_target ]; }; then
  since="origin/$GITHUB_BASE_REF"
fi
if [ "$since" = none ]; then since=; fi
if [ -n "$since" ]; then
  # actions/checkout fetches one commit by default: fetch the base and
  # enough history to find where the pull request branched off.
  shallow="$(git rev-parse --is-shallow-repository 2>/dev/null || echo false)"
  if ! git rev-parse --verify --quiet "$since^{commit}" >/dev/null || [ "$shallow" = true ]; then
    ref="${since#origin/}"
    unshallow=()
    [ "$shallow" = true ] && unshallow=(--unshallow)
    notice "fetching $since and the history behind it for --since"
    git fetch --no-tags --quiet ${unshallow[@]+"${unshallow[@]}"} origin "+refs/heads/$ref:refs/remotes/origin/$ref" \
      || git fetch --no-tags --quiet ${unshallow[@]+"${unshallow[@]}"} origin \
      || notice "could not fetch $since; keyledger will say what is missing"
  fi
  args+=(--since "$since")
fi

# A repository without an inventory still gets its content scanned.
if ! has_arg --no-inventory && ! has_arg --inventory && ! has_arg --no-scan; then
  names_inventory=false
  if [ -f keyledger.toml ] && grep -Eq '^[[:space:]]*inventory[[:space:]]*=' keyledger.toml; then
    names_inventory=true
  fi
  if [ "$names_inventory" = false ] && [ ! -f secrets-inventory.yaml ] \
     && [ ! -f secrets-inventory.yml ] && [ ! -f secrets-inventory.toml ]; then
    notice "no secret inventory in this repository: scanning content only (keyledger init drafts one)"
    args+=(--no-inventory)
  fi
fi

case "$fail_on" in
  ''|never) ;;
  error|warning|note) args+=(--fail-on "$fail_on") ;;
  *) err "fail-on must be error, warning, note or never, not '$fail_on'"; output exit-code 2; exit 2 ;;
esac

args+=(--format "$format" --output "sarif=$sarif" --output "markdown=$summary")
args+=(${extra[@]+"${extra[@]}"})

printf 'keyledger'; printf ' %q' "${args[@]}"; printf '\n'
keyledger "${args[@]}"
code=$?

if [ "$fail_on" = never ] && [ "$code" = 1 ]; then
  notice "findings block nothing with fail-on: never"
  code=0
fi

if [ -s "$summary" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cat "$summary" >> "$GITHUB_STEP_SUMMARY"
elif [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  printf '### keyledger: could not check (exit code %s)\n\nThe log above says why: a configuration, inventory or policy error, with its file, line and column.\n' "$code" >> "$GITHUB_STEP_SUMMARY"
fi
output exit-code "$code"
if [ -s "$sarif" ]; then output sarif-file "$sarif"; else output sarif-file ""; fi
if [ -s "$summary" ]; then output summary-file "$summary"; fi
exit "$code"
