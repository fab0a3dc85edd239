#!/usr/bin/env bash
# Refresh the locks (README: "The lock"): requirements/tests.txt (phenomena[dev,slt,slurm], what the
# tests and CI install) and requirements/pipeline.txt (phenomena[slt], the pipeline), each with the
# sha256 of every file of every pinned release, for the CPU set-up: Linux x86_64, Python 3.11.
# torch is resolved as the CPU wheel (requirements/torch-cpu.txt), so that none of the CUDA
# build's nvidia-* packages enter, and left out of the locks: it is installed first, by hand.
#
#   requirements/refresh.sh                         after a change of pyproject.toml: existing pins kept where allowed
#   requirements/refresh.sh --upgrade               every package to its newest allowed release
#   requirements/refresh.sh --upgrade-package NAME  one package
#
# uv resolves (seconds; pip-compile takes minutes for the same lock, and the same pins and hashes).
# It is installed, pinned, in a throwaway venv; set UV to use another uv binary.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.8
# Where the CPU torch wheel lies: this machine's wheel folder, else set TORCH_CPU_WHEELS to a
# folder or index page that holds it (PyTorch's CPU wheel index).
if [ -z "${TORCH_CPU_WHEELS:-}" ]; then
  if [ -d /opt/wheels ]; then
    TORCH_CPU_WHEELS=/opt/wheels
  else
    echo "refresh.sh: set TORCH_CPU_WHEELS to a folder or index page holding torch 2.13.0+cpu" >&2
    exit 2
  fi
fi

if [ -z "${UV:-}" ]; then
  tools=$(mktemp -d)
  trap 'rm -rf "$tools"' EXIT
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet "uv==$UV_VERSION"
  UV="$tools/bin/uv"
fi

compile() {  # compile LOCK EXTRA... [-- UV OPTIONS]
  local lock=$1 extras=() options=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do extras+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  options=("$@")
  "$UV" pip compile --quiet --no-config --generate-hashes \
    --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
    --find-links "$TORCH_CPU_WHEELS" -c requirements/torch-cpu.txt --no-emit-package torch \
    "${extras[@]/#/--extra=}" --custom-compile-command requirements/refresh.sh \
    -o "$lock" "${options[@]}" pyproject.toml
  # What the lock was made for: which extras, and the digest of pyproject.toml's specs
  # (tests/common/test_lock.py fails once they change without a refresh).
  python3 requirements/lockfile.py stamp "$lock" "${extras[@]}"
}

# The tests' lock first; the pipeline's is constrained by it, so both pin the same releases.
compile requirements/tests.txt dev slt slurm -- "$@"
compile requirements/pipeline.txt slt -- -c requirements/tests.txt "$@"
echo "refreshed requirements/tests.txt and requirements/pipeline.txt"
