#!/usr/bin/env bash
# Makes the Docker engine usable for kubeling's Docker runtime (hosts/node/docker-runtime.ts)
# and its tests. Idempotent and installs nothing (.ci/run installs docker.io, iptables and
# busybox-static):
#   1. starts dockerd in the background unless its socket already answers, and waits for it;
#   2. builds the local images nothing can pull here (no registry is reachable):
#      busybox:latest and kubeling/pause:3.10, both a rootfs of Debian's static busybox.
set -euo pipefail

SOCKET=/var/run/docker.sock
LOG=${DOCKERD_LOG:-/var/log/kubeling-dockerd.log}
BUSYBOX=/bin/busybox
IMAGES=(busybox:latest kubeling/pause:3.10)

die() { echo "docker-up: $*" >&2; exit 1; }

# Debian's docker.io CLI matches its engine; a stray newer CLI elsewhere on PATH works too.
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=$(command -v docker || true); fi
[ -n "$DOCKER" ] || die "no docker CLI found (apt-get install -y docker.io)"
command -v dockerd >/dev/null || die "dockerd is not installed (apt-get install -y docker.io iptables)"

answers() { "$DOCKER" -H "unix://$SOCKET" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

start_dockerd() {
  # dockerd needs the cgroup v1 hierarchies mounted; some containers come without them.
  if [ ! -d /sys/fs/cgroup/devices ]; then
    command -v cgroupfs-mount >/dev/null || die "/sys/fs/cgroup/devices is missing and cgroupfs-mount is not installed"
    echo "docker-up: mounting cgroups (cgroupfs-mount)"
    cgroupfs-mount
  fi
  echo "docker-up: starting dockerd (log: $LOG)"
  # setsid: dockerd must outlive this script and the shell that ran it.
  # --userland-proxy=false: no docker-proxy processes for published ports (kubeling publishes
  # none; its pods are wired by hosts/node/bridge-cni.ts, which sets hairpin mode itself).
  setsid dockerd --userland-proxy=false >>"$LOG" 2>&1 </dev/null &
  for _ in $(seq 1 300); do
    answers && return 0
    sleep 0.1
  done
  tail -n 20 "$LOG" >&2 || true
  die "dockerd did not answer on $SOCKET within 30 s"
}

IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# busybox runs sh, as upstream's image does. The pause container only has to stay up and
# exit at once on SIGTERM (PID 1 ignores signals it has no handler for, hence the trap).
cmd_for() {
  case $1 in
    kubeling/pause:*) echo '["sh","-c","trap \"exit 0\" TERM; while :; do sleep 3600 & wait; done"]' ;;
    *) echo '["sh"]' ;;
  esac
}

build_image() {
  local tag=$1 rootfs
  [ -x "$BUSYBOX" ] || die "$BUSYBOX is missing (apt-get install -y busybox-static)"
  "$BUSYBOX" --list >/dev/null 2>&1 || die "$BUSYBOX is not a static multi-call busybox (apt-get install -y busybox-static)"
  rootfs=$(mktemp -d)
  mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc" "$rootfs/var/www"
  cp "$BUSYBOX" "$rootfs/bin/busybox"
  for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
  done
  chmod 1777 "$rootfs/tmp"
  echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
  echo 'root:x:0:' >"$rootfs/etc/group"
  tar -C "$rootfs" -c . | "$DOCKER" import -c "ENV PATH=$IMAGE_PATH" -c "CMD $(cmd_for "$tag")" - "$tag" >/dev/null
  rm -rf "$rootfs"
  echo "docker-up: built $tag"
}

if answers; then
  echo "docker-up: dockerd answers ($("$DOCKER" version --format '{{.Server.Version}}'))"
else
  start_dockerd
  echo "docker-up: dockerd ready ($("$DOCKER" version --format '{{.Server.Version}}'))"
fi

for image in "${IMAGES[@]}"; do
  if "$DOCKER" image inspect "$image" >/dev/null 2>&1; then
    echo "docker-up: $image present"
  else
    build_image "$image"
  fi
done
