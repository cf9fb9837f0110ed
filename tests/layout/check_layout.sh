#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The layout rules lib/meson.build cannot enforce by itself:
#  - no file includes another module's private header (<module>_priv.h,
#    or any non-wm_ header of another lib/ folder);
#  - no lib/ or app/ .c file is over 800 lines (readable in one sitting).
# Exit 0 pass, 1 fail (each offence listed).
set -uo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$root"
bad=0
for dir in lib/*/; do
	m=$(basename "$dir")
	for f in "$dir"*.[ch]; do
		while IFS= read -r h; do
			[[ $h == wm_* ]] && continue
			if [ ! -f "$dir$h" ]; then
				echo "FAIL $f includes \"$h\", private to another module"
				bad=1
			fi
		done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
	done
done
for f in app/*/*.[ch]; do
	while IFS= read -r h; do
		[[ $h == wm_* ]] && continue
		if [ ! -f "$(dirname "$f")/$h" ]; then
			echo "FAIL $f includes \"$h\", private to lib/ or another program"
			bad=1
		fi
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done
while read -r n f; do
	[ "$f" = total ] && continue
	if [ "$n" -gt 800 ]; then
		echo "FAIL $f: $n lines (at most 800)"
		bad=1
	fi
done < <(wc -l lib/*/*.c app/*/*.c)
[ "$bad" -eq 0 ] && echo "PASS layout: private headers stay private, no .c over 800 lines"
exit "$bad"
