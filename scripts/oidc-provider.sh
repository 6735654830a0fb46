#!/usr/bin/env bash
# Install the OpenID Connect provider the hospital sign-in tests run against: the npm package
# `oidc-provider` (MIT) at the version tests/oidc/package-lock.json pins, into
# tests/oidc/node_modules (ignored by git). Needs Node.js and npm (`scripts/system-packages.sh
# test` installs Debian's). Quiet when it is already there. `make test` runs it.
set -euo pipefail
cd "$(dirname "$0")/../tests/oidc"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "Node.js and npm are missing (scripts/system-packages.sh test installs them)" >&2
  exit 1
fi
installed=node_modules/.package-lock.json
if [ -f node_modules/oidc-provider/package.json ] && [ "$installed" -nt package-lock.json ]; then
  exit 0
fi
echo "installing the test identity provider (npm: oidc-provider) into tests/oidc/node_modules ..." >&2
npm ci --omit=dev --no-audit --no-fund --loglevel=error >&2
