#!/bin/sh
# Prints the interpreter this machine has for each Python minor version named (e.g. 3.12), found on
# PATH or under pyenv; prints nothing for a version it lacks. `make test` uses it to run the capture
# tests on every supported Python present.
for minor in "$@"; do
    for candidate in "python$minor" "$HOME"/.pyenv/versions/"$minor"*/bin/python"$minor"; do
        # A pyenv shim answers on PATH even when its version is not selected: ask it to run.
        if "$candidate" -c "import sys; assert '%d.%d' % sys.version_info[:2] == '$minor'" >/dev/null 2>&1; then
            echo "$candidate"
            break
        fi
    done
done
