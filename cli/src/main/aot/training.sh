#!/bin/sh
# The guest of the AOT training run (`mvn package`, cli/pom.xml): what sessions commonly do, so
# that the AOT cache learns which of umvu's methods get hot. On JDK 25, bin/umvu then has the
# JIT compile those as soon as their classes are initialized (-XX:+AOTCompileEagerly) instead
# of interpreting them for a session's first few thousand stops (docs/performance.md).
set -e
vumount -t vufs /usr /jvuos-training
# Directory walks (ls, and find's fts, which dups every directory it opens) and reads, inside
# the mount and out of it. (A build by a user may meet unreadable directories: no matter.)
ls -R /jvuos-training/share/doc/ /jvuos-training/../etc >/dev/null 2>&1 || true
find /jvuos-training/share/doc /usr/share/doc -size +0 >/dev/null 2>&1 || true
cd /jvuos-training/lib
cat /proc/self/mounts >/dev/null
cd /
# Process spawns, of a program outside the mount and of one through it, 3,000 each: what runs
# once per spawn then passes the JIT's threshold well (2,000 calls with bin/umvu's setting,
# counted in steps of 1,024).
outside=/bin/true
inside=/jvuos-training/bin/true
[ -x "$inside" ] || inside=/jvuos-training/bin/env # (a system without a merged /usr)
i=0
while [ $i -lt 3000 ]; do
    "$outside"
    "$inside" >/dev/null
    i=$((i + 1))
done
vuumount /jvuos-training
# A copy-on-write view over a tree made here (never over a tree of the system): walks,
# reads, and the changes that copy files up, leave whiteouts and record attributes.
t=$(mktemp -d)
mkdir "$t/upper" "$t/lower"
i=0
while [ $i -lt 200 ]; do
    mkdir -p "$t/lower/d$i/e" "$t/upper/d$i/e" && echo "$i" > "$t/lower/d$i/f" && echo "$i" > "$t/lower/d$i/e/g"
    touch "$t/upper/d$i/u" "$t/upper/d$i/e/v"
    i=$((i + 1))
done
vumount -t vufs -o cow "$t/upper" "$t/lower"
i=0
while [ $i -lt 200 ]; do
    echo more >> "$t/lower/d$i/f"
    chmod 600 "$t/lower/d$i/e/g"
    mkdir "$t/lower/d$i/new" && touch "$t/lower/d$i/new/h" && mv "$t/lower/d$i/new/h" "$t/lower/d$i/h"
    rm "$t/lower/d$i/e/g" "$t/lower/d$i/e/v" && rmdir "$t/lower/d$i/e"
    i=$((i + 1))
done
# (Walks of merged directories pass the JIT's threshold only after a few thousand.)
for pass in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    find "$t/lower" >/dev/null
done
for pass in 1 2 3 4 5; do
    ls -lR "$t/lower" >/dev/null
    cat "$t"/lower/d1*/f >/dev/null
done
cd /
vuumount "$t/lower"
rm -rf "$t"
# A ramdisk, its partitions, and the tools that make file systems on them: writes and reads
# of every size, the block-device ioctls, a partition table read (where the tools are here).
vumount -t vudevramdisk -o size=64M none /jvuos-training-disk
if command -v sfdisk >/dev/null && command -v mkfs.ext4 >/dev/null; then
    printf 'label: dos\n,16M,83\n,,83\n' | sfdisk -q /jvuos-training-disk
    vumount -t vudevpartx /jvuos-training-disk /jvuos-training-disk-p
    for pass in 1 2 3 4 5 6 7 8; do
        mkfs.ext4 -q -F /jvuos-training-disk-p1 && mkfs.ext4 -q -F /jvuos-training-disk-p2
    done
    vuumount /jvuos-training-disk-p
fi
dd if=/dev/zero of=/jvuos-training-disk bs=4k count=3000 status=none
dd if=/jvuos-training-disk of=/dev/null bs=64k status=none
vuumount /jvuos-training-disk
