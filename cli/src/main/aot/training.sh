#!/bin/sh
# The guest of the AOT training run (`mvn package`, cli/pom.xml): what sessions commonly do, so
# that the AOT cache learns which of umvu's methods are hot. On JDK 25, bin/umvu then has the JIT
# compile those as soon as they are first called (-XX:+AOTCompileEagerly) instead of
# interpreting them for the first few thousand stops (docs/performance.md).
set -e
vumount -t vufs /usr /jvuos-training
# Directory walks (ls, and find's fts, which dups every directory it opens) and reads, inside
# the mount and out of it.
ls -R /jvuos-training/share/doc/ /jvuos-training/../etc >/dev/null
find /jvuos-training/share/doc /usr/share/doc -size +0 >/dev/null
cd /jvuos-training/lib
cat /proc/self/mounts >/dev/null
cd /
# Process spawns, of a program outside the mount and of one through it: enough of them for what
# runs once per process (the fork, exec and exit events, an execve) to reach the JIT's threshold.
i=0
while [ $i -lt 1500 ]; do
    /bin/true
    /jvuos-training/bin/true
    i=$((i + 1))
done
vuumount /jvuos-training
