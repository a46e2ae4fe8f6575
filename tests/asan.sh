#!/usr/bin/env bash
# The quick suite under AddressSanitizer and UndefinedBehaviorSanitizer, in
# a build of its own beside the main one.
# Usage: asan.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
out=$2
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$src" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIELDSYNC_SANITIZE=ON "${launcher[@]}" >/dev/null
cmake --build "$out"
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" LSAN_OPTIONS="suppressions=$src/tests/lsan.supp:print_suppressions=0" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  ctest --test-dir "$out" --output-on-failure -j "$(nproc)" -LE slow
