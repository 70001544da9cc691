#!/bin/bash
# Builds a Lambda-like file system and starts the runtime in it. Run as root by
# test/lambda/helpers/lambdaSandbox.ts inside a private mount namespace:
#
#   unshare --mount --propagation private -- /bin/bash enter.sh
#
# so every mount below disappears with the sandbox's last process and nothing is mounted, created
# or changed outside it (SANDBOX_ROOT is an empty folder the caller made in its own temp folder).
#
#   /            a small tmpfs, read-only once built
#   /usr /etc    the host's, read-only (/bin, /lib, /lib64, /sbin as the host has them)
#   /etc/passwd  the host's plus the Lambda user (sbx_user1051, uid 993)
#   /proc        a bind of the host's;  /dev: null zero full random urandom only (no /dev/shm)
#   /opt         the layer, read-only              (SANDBOX_OPT; empty when the function has none)
#   /var/task    the function's asset, read-only   (SANDBOX_TASK)
#   /var/lang    Node 22 (bin/node), read-only     (SANDBOX_LANG)
#   /var/runtime bootstrap.mjs, read-only          (this folder)
#   /tmp         a fresh tmpfs of SANDBOX_TMP_MB, optionally part-filled by a root-owned file
#
# Then, as uid/gid SANDBOX_UID/SANDBOX_GID with no supplementary groups, no capabilities and
# no_new_privs, in /var/task, with exactly the environment in SANDBOX_ENV_FILE (NUL-separated
# NAME=value): /var/lang/bin/node /var/runtime/bootstrap.mjs.
set -euo pipefail

fail() { echo "lambda-sandbox: $*" >&2; exit 70; }
for name in SANDBOX_ROOT SANDBOX_TASK SANDBOX_LANG SANDBOX_RUNTIME SANDBOX_TMP_MB SANDBOX_UID SANDBOX_GID SANDBOX_ENV_FILE SANDBOX_PASSWD SANDBOX_GROUP; do
  [[ -n "${!name:-}" ]] || fail "$name is not set"
done
R="$SANDBOX_ROOT"
[[ -d "$R" && -z "$(ls -A "$R")" ]] || fail "$R must be an empty folder"
# Never mount anything in the host's mount namespace.
[[ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ]] || fail "not in a private mount namespace; run me with unshare --mount --propagation private"

ro_bind() { # source target
  mount --bind "$1" "$2"
  mount -o remount,bind,ro,nosuid,nodev "$2"
}

mount -t tmpfs -o size=8m,mode=0755 lambda-root "$R"
mkdir -p "$R"/{usr,etc,proc,dev,opt,tmp,var/task,var/lang,var/runtime}
for dir in bin sbin lib lib32 lib64 libx32; do
  if [[ -L "/$dir" ]]; then
    ln -s "$(readlink "/$dir")" "$R/$dir"
  elif [[ -d "/$dir" ]]; then
    mkdir "$R/$dir"
    ro_bind "/$dir" "$R/$dir"
  fi
done
ro_bind /usr "$R/usr"
ro_bind /etc "$R/etc"
ro_bind "$SANDBOX_PASSWD" "$R/etc/passwd"
ro_bind "$SANDBOX_GROUP" "$R/etc/group"
mount --rbind /proc "$R/proc"

# /dev: the usual character devices and links, nothing else (Lambda has no /dev/shm).
mount -t tmpfs -o size=64k,mode=0755,nosuid,noexec lambda-dev "$R/dev"
for node in null zero full random urandom; do
  touch "$R/dev/$node"
  mount --bind "/dev/$node" "$R/dev/$node"
done
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"
mount -o remount,ro,bind "$R/dev"

if [[ -n "${SANDBOX_OPT:-}" ]]; then ro_bind "$SANDBOX_OPT" "$R/opt"; fi
ro_bind "$SANDBOX_TASK" "$R/var/task"
ro_bind "$SANDBOX_LANG" "$R/var/lang"
ro_bind "$SANDBOX_RUNTIME" "$R/var/runtime"

mount -t tmpfs -o "size=${SANDBOX_TMP_MB}m,mode=1777,nosuid,nodev" lambda-tmp "$R/tmp"
if [[ -n "${SANDBOX_TMP_FILL_MB:-}" && "${SANDBOX_TMP_FILL_MB}" != 0 ]]; then
  # Space taken by someone else: the function (another uid) can neither read nor remove it.
  fallocate -l "${SANDBOX_TMP_FILL_MB}M" "$R/tmp/.sandbox-fill"
  chmod 0600 "$R/tmp/.sandbox-fill"
fi

mount -o remount,ro,bind "$R"

mapfile -d '' environment < "$SANDBOX_ENV_FILE"
exec chroot "$R" /usr/bin/setpriv --reuid="$SANDBOX_UID" --regid="$SANDBOX_GID" --clear-groups \
  --inh-caps=-all --bounding-set=-all --no-new-privs \
  /usr/bin/env -i -C /var/task "${environment[@]}" /var/lang/bin/node /var/runtime/bootstrap.mjs
