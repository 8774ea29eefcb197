#!/usr/bin/env bash
# Runs the README's commands as a new user would, on a fresh minimal Debian
# 12: a throwaway `debootstrap --variant=minbase bookworm` chroot made from
# this machine's apt sources, /etc/hosts as every real machine has it, a
# clean clone of the current HEAD with ../shared beside it, /proc, /sys and
# /dev bound for the run and unbound after. Prints each command's exit code,
# the test summaries and the time of every stage; removes the chroot unless
# --keep. Run as root. Not part of CI: it builds everything again.
#
# usage: scripts/fresh-debian.sh [--keep] [demo|test|both]   (default: both, demo first)
set -euo pipefail
MW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

keep=false
what=both
for argument in "$@"; do
  case "$argument" in
    --keep) keep=true ;;
    demo | test | both) what=$argument ;;
    -h | --help)
      sed -n '2,10p' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *)
      echo "usage: scripts/fresh-debian.sh [--keep] [demo|test|both]" >&2
      exit 64
      ;;
  esac
done
if [ "$(id -u)" -ne 0 ]; then
  echo "error: debootstrap, chroot and mount need root" >&2
  exit 1
fi
shared="$MW_ROOT/../shared"
if [ ! -d "$shared" ]; then
  echo "error: no ../shared beside the repository ($shared)" >&2
  exit 1
fi

# The first Debian mirror this machine's apt uses (deb822 or one-line form).
debian_mirror() {
  local uri
  uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' |
    grep -v security | head -n 1 || true)
  if [ -z "$uri" ]; then
    uri=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk '{print $2}' | grep -v security | head -n 1 || true)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

stamp() { date -u +%H:%M:%S; }
log() { echo "== $(stamp) $*"; }

command -v debootstrap >/dev/null || {
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
}

root=$(mktemp -d /var/tmp/mw-fresh-debian-XXXXXX)
mounted=()
cleanup() {
  local mount_point
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    mount_point=${mounted[$i]}
    umount -l "$mount_point" 2>/dev/null || true
  done
  if $keep; then
    echo "chroot kept: $root"
  else
    rm -rf --one-file-system "$root"
  fi
}
trap cleanup EXIT

mirror=$(debian_mirror)
log "debootstrap --variant=minbase bookworm $root $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 || {
  tail -n 30 "$root.debootstrap.log" >&2
  exit 1
}
rm -f "$root.debootstrap.log"

# The same apt sources and settings as this machine, hosts as a real machine has them.
rm -f "$root/etc/apt/sources.list"
cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/sources.list"
for conf in /etc/apt/apt.conf.d/*; do
  case "$(basename "$conf")" in docker-* | 20packagekit | 50appstream) continue ;; esac
  cp "$conf" "$root/etc/apt/apt.conf.d/"
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tfresh-debian\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
  >"$root/etc/hosts"
echo fresh-debian >"$root/etc/hostname"

# A clean clone of HEAD, ../shared beside it; git comes from this machine,
# the chroot has none until the commands install it.
mkdir -p "$root/work"
git clone --quiet --no-local "$MW_ROOT" "$root/work/main"
git -C "$root/work/main" checkout --quiet "$(git -C "$MW_ROOT" rev-parse HEAD)"
cp -r "$shared" "$root/work/shared"
chmod -R a-w "$root/work/shared"

for fs in proc sys dev dev/pts dev/shm; do
  mkdir -p "$root/$fs"
  mount --bind "/$fs" "$root/$fs"
  mounted+=("$root/$fs")
done

# Runs a README command in the chroot as root, with a clean environment.
run_in_chroot() {
  chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -c "cd /work/main && $1"
}

demo_status=-
test_status=-
if [ "$what" != test ]; then
  log "scripts/demo.sh"
  set +e
  run_in_chroot "bash scripts/demo.sh" 2>&1 | tee "$root/demo.log" | tail -n 25
  demo_status=${PIPESTATUS[0]}
  set -e
  log "scripts/demo.sh exited $demo_status"
  # The demo installs only its own set: no test-only package.
  test_only=$(run_in_chroot "source scripts/deps.sh; for p in \"\${MW_TEST_PACKAGES[@]}\"; do
      dpkg-query -W -f='\${Status}' \"\$p\" 2>/dev/null | grep -q 'install ok installed' && echo \"\$p\"; done" || true)
  if [ -n "$test_only" ]; then
    echo "the demo installed test-only packages: $(echo $test_only)"
    demo_status="$demo_status (installed test-only packages)"
  else
    echo "the demo installed no test-only package"
  fi
fi
if [ "$what" != demo ]; then
  log "scripts/test.sh"
  set +e
  run_in_chroot "bash scripts/test.sh" >"$root/test.log" 2>&1
  test_status=$?
  set -e
  log "scripts/test.sh exited $test_status"
  echo "stages (UTC start times):"
  grep -E '^== [0-9:]{8} ' "$root/test.log" || true
  echo "summaries:"
  grep -E 'tests passed|tests failed|^skipped tests|FAILED|\*\*\*Failed' "$root/test.log" || true
  [ "$test_status" -eq 0 ] || tail -n 60 "$root/test.log"
fi

echo "demo.sh: $demo_status  test.sh: $test_status"
[ "$demo_status" = 0 ] || [ "$demo_status" = - ] || exit 1
[ "$test_status" = 0 ] || [ "$test_status" = - ] || exit 1
