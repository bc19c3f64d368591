#!/usr/bin/env bash
# Installs keyledger for the GitHub Action (action.yml): the release binary
# for this runner, checked against its published SHA-256, else a build from
# the action's own source with `cargo install --locked`.
#
# Reads (GitHub sets the RUNNER_* and GITHUB_* ones):
#   GITHUB_ACTION_PATH   the action's checkout: keyledger's source at the ref used
#   RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_PATH, GITHUB_OUTPUT
#   KEYLEDGER_VERSION    the release to install (default: Cargo.toml's version)
#   KEYLEDGER_REPOSITORY owner/name whose releases hold the binaries
#                        (default: from Cargo.toml's `repository`)
#   KEYLEDGER_DOWNLOAD_BASE  where the archives are (default:
#                        https://github.com/$KEYLEDGER_REPOSITORY/releases/download/v$KEYLEDGER_VERSION)
# Writes: the binary's folder to GITHUB_PATH; `version` and `path` to GITHUB_OUTPUT.
set -euo pipefail

log() { printf 'keyledger-action: %s\n' "$*" >&2; }
die() { printf '::error title=keyledger::%s\n' "$*"; exit 1; }

: "${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set (run inside the action, or set it to a keyledger checkout)}"
: "${RUNNER_TEMP:?RUNNER_TEMP is not set}"
: "${GITHUB_PATH:?GITHUB_PATH is not set}"
manifest="$GITHUB_ACTION_PATH/Cargo.toml"

# The first `key = "value"` of Cargo.toml's [package] table.
package_value() {
  awk -v key="$1" '
    /^\[/ { in_pkg = ($0 == "[package]") }
    in_pkg && $1 == key && $2 == "=" {
      v = $0; sub(/^[^"]*"/, "", v); sub(/".*$/, "", v); print v; exit
    }' "$manifest"
}

version="${KEYLEDGER_VERSION:-}"
version="${version#v}"
if [ -z "$version" ]; then
  version="$(package_value version)"
fi
[ -n "$version" ] || die "cannot tell which keyledger version to install (no KEYLEDGER_VERSION, no version in $manifest)"
repository="${KEYLEDGER_REPOSITORY:-}"
if [ -z "$repository" ]; then
  repository="$(package_value repository)"
  repository="${repository#https://github.com/}"
  repository="${repository%.git}"
fi

case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-msvc ;;
  *) target= ;;
esac

dest="$RUNNER_TEMP/keyledger-$version"
exe=keyledger
[ "${RUNNER_OS:-}" = Windows ] && exe=keyledger.exe

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d' ' -f1
  else die "neither sha256sum nor shasum is available to check the download"
  fi
}

# Downloads the release archive and checks it; returns 1 when there is no
# release to download (then we build), exits on a checksum mismatch.
download() {
  [ -n "$target" ] || { log "no release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}"; return 1; }
  local ext=tar.gz
  [ "${RUNNER_OS:-}" = Windows ] && ext=zip
  local name="keyledger-v$version-$target"
  local base="${KEYLEDGER_DOWNLOAD_BASE:-https://github.com/$repository/releases/download/v$version}"
  local tmp="$RUNNER_TEMP/keyledger-download"
  rm -rf "$tmp" && mkdir -p "$tmp"
  log "downloading $base/$name.$ext"
  if ! curl -fsSL --retry 3 --retry-delay 2 -o "$tmp/$name.$ext" "$base/$name.$ext" \
     || ! curl -fsSL --retry 3 --retry-delay 2 -o "$tmp/$name.$ext.sha256" "$base/$name.$ext.sha256"; then
    log "no release archive at $base (a ref without a release, or no network)"
    return 1
  fi
  local want got
  want="$(cut -d' ' -f1 < "$tmp/$name.$ext.sha256" | tr -d '\r\n')"
  got="$(sha256 "$tmp/$name.$ext")"
  if [ -z "$want" ] || [ "$want" != "$got" ]; then
    die "checksum mismatch for $name.$ext: expected ${want:-nothing}, got $got; not installing it"
  fi
  rm -rf "$dest" && mkdir -p "$dest"
  if [ "$ext" = zip ]; then
    if command -v unzip >/dev/null 2>&1; then unzip -q "$tmp/$name.$ext" -d "$tmp/x"
    else powershell -NoProfile -Command "Expand-Archive -Path '$tmp/$name.$ext' -DestinationPath '$tmp/x'"
    fi
  else
    mkdir -p "$tmp/x" && tar -xzf "$tmp/$name.$ext" -C "$tmp/x"
  fi
  [ -f "$tmp/x/$name/$exe" ] || die "$name.$ext does not hold $name/$exe"
  mv "$tmp/x/$name/$exe" "$dest/$exe"
  chmod +x "$dest/$exe"
  rm -rf "$tmp"
  return 0
}

if ! download; then
  command -v cargo >/dev/null 2>&1 \
    || die "no release binary for keyledger $version on this runner, and no cargo to build it (add a Rust toolchain step, e.g. dtolnay/rust-toolchain@stable)"
  log "building keyledger $version from the action's source with cargo install --locked"
  cargo install --locked --quiet --path "$GITHUB_ACTION_PATH" --root "$RUNNER_TEMP/keyledger-cargo"
  rm -rf "$dest" && mkdir -p "$dest"
  cp "$RUNNER_TEMP/keyledger-cargo/bin/$exe" "$dest/$exe"
fi

"$dest/$exe" --version >&2 || die "the installed keyledger does not run"
printf '%s\n' "$dest" >> "$GITHUB_PATH"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  printf 'version=%s\npath=%s\n' "$version" "$dest/$exe" >> "$GITHUB_OUTPUT"
fi
