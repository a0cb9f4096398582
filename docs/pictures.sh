#!/usr/bin/env bash
# `make pictures`: the README's images, from the tour's pages in headless Chromium.
# Needs Chromium and an emoji font (Debian: apt-get install chromium fonts-noto-color-emoji).
set -euo pipefail
cd "$(dirname "$0")/.."
pages=$(mktemp -d)
trap 'rm -rf "$pages"' EXIT
.venv/bin/perspective sandbox --script docs/tour.txt --html "$pages" >/dev/null

# The last page that shows each text: the digest with a lost deal's reason, the
# win/loss form as alice filled it in, and bob's morning nudge.
shoot() {
  local text=$1 image=$2 height=$3 page
  page=$(grep -l -- "$text" "$pages"/[0-9]*.html | tail -n 1)
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --window-size=720,"$height" --screenshot="docs/images/$image" "file://$page" 2>/dev/null
}
mkdir -p docs/images
shoot "Top competitors" digest.png 400
shoot "Why it was lost" winloss-form.png 600
shoot "Your team today" nudge.png 300
