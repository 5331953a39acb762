# need_chromium installs Debian's chromium and the CJK fonts when they are missing (root with
# apt-get), saying so; elsewhere it only says what is missing (the console's browser test skips).
need_chromium() {
  local need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
  [ ${#need[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${need[*]} for the console's browser test (Debian packages)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null || \
      echo "could not install ${need[*]}: the console's browser test will skip"
  else
    echo "missing ${need[*]}: the console's browser test will skip (apt-get install ${need[*]})"
  fi
}
