#!/usr/bin/env bash
# The server tests (sessions, admin calls from other threads, the proxy)
# under ThreadSanitizer, in a build of their own beside the main one.
# Usage: tsan.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
out=$2
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$src" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIELDSYNC_TSAN=ON "${launcher[@]}" >/dev/null
cmake --build "$out" --target fieldsync_server_tests
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "$out/tests/fieldsync_server_tests" "~[slow]"
