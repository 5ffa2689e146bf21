#!/usr/bin/env bash
# bootstrap.sh - installs what mentionsift needs on Debian 12 (as root, via
# apt-get; skipped when everything is already there) and builds the release
# binary into build/. Used by the README's first command and by tests/run.sh.
#
#   bash tests/bootstrap.sh            install what building and running need + release build in build/
#   bash tests/bootstrap.sh --deps     install that and what the tests need too; no build
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential cmake ninja-build pkg-config
      libhyperscan-dev librdkafka-dev libprotobuf-c-dev protobuf-c-compiler
      libjemalloc-dev libcmocka-dev libutf8proc-dev libyaml-dev libmicrohttpd-dev
      libjsmn-dev libxxhash-dev jq curl)
# The tests' own tools: clang for the fuzz targets, kcat as the Kafka client
# that is not the service, Java and Maven for Apache Kafka's broker,
# promtool (package prometheus) for the alerting rules.
[ "${1:-}" = "--deps" ] &&
  PKGS+=(clang libclang-rt-14-dev kcat openjdk-17-jre-headless maven prometheus)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
[ "${1:-}" = "--deps" ] && exit 0

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build mentionsift >&2
echo "bootstrap: built build/mentionsift" >&2
