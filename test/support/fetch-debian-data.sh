#!/usr/bin/env bash
# Fetch small real FITS files shipped inside Debian packages, for the FITS tests.
# Downloads the .deb without installing it (`apt-get download`) and unpacks it with
# `dpkg -x` into test/.data/<name>/ (gitignored). Idempotent: a package already
# unpacked is skipped.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data="$root/test/.data"
mkdir -p "$data"

# fetch NAME PACKAGE MARKER: unpack PACKAGE into $data/NAME unless a file named MARKER is there.
fetch() {
  local name="$1" pkg="$2" marker="$3"
  local dest="$data/$name"
  if [ -d "$dest" ] && [ -n "$(find "$dest" -name "$marker" -print -quit)" ]; then
    echo "fetch-debian-data: $name already present in $dest"
    return 0
  fi
  local tmp
  tmp="$(mktemp -d)"
  # apt-get download writes into the current directory; an unprivileged _apt user
  # needs to be able to write there, hence the chmod.
  chmod 777 "$tmp"
  if ! (cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>"$tmp/err"); then
    # The package lists may be missing on a fresh machine: refresh once and retry.
    apt-get update -qq >/dev/null 2>&1 || true
    (cd "$tmp" && apt-get download -q "$pkg" >/dev/null) || {
      echo "fetch-debian-data: apt-get download $pkg failed" >&2
      cat "$tmp/err" >&2
      rm -rf "$tmp"
      return 1
    }
  fi
  rm -rf "$dest.partial"
  mkdir -p "$dest.partial"
  dpkg -x "$tmp"/"$pkg"_*.deb "$dest.partial"
  # Swap in atomically so a half-unpacked tree is never taken as present.
  rm -rf "$dest"
  mv "$dest.partial" "$dest"
  rm -rf "$tmp"
  echo "fetch-debian-data: unpacked $pkg into $dest"
}

fetch ccdproc python3-ccdproc a8280271.fits
