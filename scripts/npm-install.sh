# Sourced by the test scripts of the JavaScript apps (test-console.sh,
# test-miniprogram.sh) from the app's folder.
#
# npm_install NAME TOOL [NOTE]: fails (as NAME) unless TOOL is installed, then
# runs npm ci only when node_modules is missing or package-lock.json changed
# since the last run (the stamp internal/console's TestDistIsWhatSourcesBuild
# reads too); NOTE follows the "npm ci" line.
npm_install() {
  local name=$1 tool=$2 note=${3:-}
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$name: $tool is not installed" >&2
    exit 1
  fi
  local stamp=node_modules/.gongjian-lock-stamp
  if [ ! -d node_modules ] || ! cmp -s package-lock.json "$stamp"; then
    echo "$name: npm ci${note:+ $note}"
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json "$stamp"
  fi
}
