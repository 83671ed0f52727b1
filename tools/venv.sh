#!/bin/sh
# Creates or refreshes a virtual environment with the project and its test extras.
#   tools/venv.sh PYTHON DIR LOCK     installs the exact versions pinned in LOCK
#   tools/venv.sh PYTHON DIR latest   installs the newest releases the ranges in pyproject.toml allow
# The environment is rebuilt when its interpreter no longer runs or is another minor version.
set -eu
python=$1 dir=$2 lock=$3
want=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
have=$("$dir/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)
if [ "$want" != "$have" ]; then
    rm -rf "$dir"
    "$python" -m venv "$dir"
fi
"$dir/bin/python" -m pip install --quiet --upgrade pip
if [ "$lock" = latest ]; then
    "$dir/bin/python" -m pip install --quiet --upgrade --upgrade-strategy eager -e '.[test]'
else
    # The lock is a constraints file: pins with environment markers for every supported Python.
    "$dir/bin/python" -m pip install --quiet -c "$lock" -e '.[test]'
fi
touch "$dir/.installed-test"
