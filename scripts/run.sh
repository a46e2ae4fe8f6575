#!/usr/bin/env bash
# Sets up (scripts/setup.sh), then runs the main job: for now the narrated
# demo of two offline nodes (scripts/demo.sh) that converge after merging.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"
exec "$root/scripts/demo.sh"
