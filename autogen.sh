#!/bin/sh
# Regenerate the build system (configure, Makefile.in, po/ infrastructure).
set -e
cd "$(dirname "$0")"
autoreconf --install --force --warnings=all
