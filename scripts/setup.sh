#!/usr/bin/env bash
# Installs the Debian 12 packages fieldsync needs (only the missing ones),
# then configures and builds into $BUILD_DIR (default: build/).
# Environment: BUILD_DIR, BUILD_TYPE (RelWithDebInfo), FIELDSYNC_SANITIZE=ON.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}

packages=(
  cmake ninja-build g++ pkg-config ccache
  libsqlite3-dev libboost-dev libprotobuf-dev protobuf-compiler libsodium-dev catch2
  libcli11-dev nlohmann-json3-dev libutf8proc-dev libcsv-dev
  python3 clang-14 libclang-rt-14-dev  # the crash harness; the fuzz targets (libFuzzer)
  # the app (mobile/): the qml6-module-* runtime packages do not pull each other in
  qt6-declarative-dev qt6-tools-dev qt6-l10n-tools libgl-dev
  qml6-module-qtquick qml6-module-qtquick-controls qml6-module-qtquick-templates qml6-module-qtquick-window
  qml6-module-qtquick-layouts qml6-module-qtqml-workerscript qml6-module-qttest qml6-module-qtquick-dialogs
  libqrencode-dev  # the admin console's enrollment QR codes
  libpqxx-dev libpq-dev postgresql  # the PostgreSQL store; its tests start a private cluster
  # the admin console's tests: a real headless browser, and a Prometheus text-format parser
  chromium chromium-driver python3-selenium python3-prometheus-client
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DFIELDSYNC_SANITIZE="${FIELDSYNC_SANITIZE:-OFF}" "${launcher[@]}" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
