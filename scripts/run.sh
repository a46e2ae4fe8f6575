#!/usr/bin/env bash
# Sets up (scripts/setup.sh), then runs the main job: for now a demo of two
# offline replicas that edit the same unit and converge after exchanging ops.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
"$root/scripts/setup.sh"
exec "$build_dir/sync/fieldsync-converge-demo"
