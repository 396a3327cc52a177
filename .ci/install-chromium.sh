#!/usr/bin/env bash
# Makes a headless browser available for the report tests (lem-report's ReportBrowserTest opens the
# generated HTML in it). Installs Debian's `chromium` package when no browser is found, which needs root
# and apt-get (a fresh CI machine). Prints the browser it found or installed; exits 1 with the reason when
# it can neither find nor install one.
#
# The tests look for the browser the same way (LEM_BROWSER, then chromium, chromium-browser,
# google-chrome on the PATH), so what this script finds is what they use.
set -euo pipefail

find_browser() {
  if [ -n "${LEM_BROWSER:-}" ] && [ -x "${LEM_BROWSER}" ]; then
    echo "$LEM_BROWSER"
    return 0
  fi
  local b
  for b in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$b" >/dev/null 2>&1; then
      command -v "$b"
      return 0
    fi
  done
  return 1
}

if browser="$(find_browser)"; then
  echo "install-chromium: found $browser ($("$browser" --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "install-chromium: no chromium on the PATH and not root, so it cannot be installed here;" \
       "install Debian's chromium package (sudo apt-get install chromium) or set LEM_BROWSER" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: no chromium on the PATH and no apt-get to install it;" \
       "install a Chromium or Chrome and set LEM_BROWSER to its path" >&2
  exit 1
fi

echo "install-chromium: installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# fonts-dejavu-core: the report's and the figures' text must render with a real font on a bare machine
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null

if browser="$(find_browser)"; then
  echo "install-chromium: installed $browser ($("$browser" --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi
echo "install-chromium: apt-get installed chromium, but no browser is on the PATH" >&2
exit 1
