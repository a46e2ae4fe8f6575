#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer in OUT, and runs each for SECONDS on a copy of
# its seed corpus (tests/fuzz/corpus/TARGET). Prints each target's
# executions; fails on the first finding (the input is left in OUT/findings).
# Usage: run.sh SOURCE_DIR OUT SECONDS [TARGET...]
set -euo pipefail
src=$1
out=$2
seconds=$3
shift 3
targets=("$@")
((${#targets[@]})) || targets=(frame batch handshake ticket csv parse cli)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
CXX=clang++-14 cmake -S "$src" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIELDSYNC_FUZZ=ON \
  "${launcher[@]}" >/dev/null
cmake --build "$out" --target "${targets[@]/#/fuzz_}"
mkdir -p "$out/findings"
for t in "${targets[@]}"; do
  work=$(mktemp -d)
  cp -r "$src/tests/fuzz/corpus/$t/." "$work/"
  log="$out/fuzz_$t.log"
  # -close_fd_mask=3: the targets' own output (help texts, refusals) is noise here.
  if ! "$out/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -close_fd_mask=3 -print_final_stats=1 -timeout=10 \
       -rss_limit_mb=4096 -artifact_prefix="$out/findings/$t-" "$work" >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz_$t: FOUND a crash, leak or timeout (input in $out/findings)"
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "fuzz_$t: $runs executions in ${seconds}s, corpus $(ls "$work" | wc -l) inputs, no finding"
  rm -rf "$work"
done
