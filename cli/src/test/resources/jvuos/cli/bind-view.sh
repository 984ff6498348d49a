# A tour of a view where D/src is shown at D/mnt: run once with the kernel's bind mounts
# (MOUNT='mount --bind', UMOUNT=umount, in a private mount namespace) and once under umvu
# (MOUNT='vumount -t vufs', UMOUNT=vuumount): the outputs must be identical.
# The current directory is D, empty; $EDGES is path-edges.py.
D=$PWD
mkdir -p src/sub src/deep/er mnt outside other
echo hello > src/a.txt
echo deep > src/sub/b
echo hidden > mnt/hidden
echo out > outside/o.txt
echo other > other/x
ln -s a.txt src/rel
ln -s "$D/mnt/sub" src/abs-in
ln -s "$D/outside" src/out
ln -s loop2 src/loop1
ln -s loop1 src/loop2
ln -s ../src src/up
ln -s sub src/linkdir
ln -s "$D/mnt/sub/b" outside/into-mnt
printf '#include <stdio.h>\nint main(void) { puts("built in the mount"); return 3; }\n' > src/prog.c

$MOUNT "$D/src" "$D/mnt" || exit 1
echo "== ls"
ls mnt
ls -a mnt/sub
ls -d mnt/hidden 2>&1
echo "== cat"
cat mnt/a.txt mnt/rel mnt/sub/b mnt/abs-in/b outside/into-mnt mnt/out/o.txt
echo "== cd"
cd mnt/sub && pwd && /bin/pwd && readlink /proc/self/cwd && cat ../a.txt && cd .. && pwd && ls && cd .. && pwd
python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); print(os.readlink(f"/proc/self/fd/{fd}"), os.readlink(f"/proc/{os.getpid()}/task/{os.getpid()}/fd/{fd}"))' mnt/sub/b
(cd mnt/sub && ls -l /proc/self/cwd | sed 's/.* -> //')
cd "$D"
echo "== cwd renamed away"
(cd mnt/deep/er && mv "$D/mnt/deep" "$D/mnt/deeper" && echo "$PWD" && /bin/pwd && readlink /proc/self/cwd && ls .. && mv "$D/mnt/deeper" "$D/mnt/deep")
echo "== python"
python3 "$EDGES" "$D"
echo "== find"
find mnt | sort
find mnt -size +0 -type f | sort
find mnt/ -name b
echo "== cp"
cp -a mnt/sub mnt/sub2
ls src/sub2
cp -a mnt "$D/copy"
ls copy
echo "== tar"
tar -C mnt -cf "$D/outside/t.tar" sub a.txt rel
tar -tf outside/t.tar | sort
mkdir mnt/untar
tar -C mnt/untar -xf outside/t.tar
find src/untar | sort
echo "== gcc"
gcc -o mnt/prog mnt/prog.c
mnt/prog
echo "rc=$?"
(cd mnt && gcc -o prog2 prog.c && ./prog2)
ls src/prog src/prog2
echo "== exec"
cp /bin/echo mnt/myecho
mnt/myecho through the mount
(cd mnt/sub && ../myecho relative to a cwd in the mount)
printf '#!%s/mnt/myecho via\n' "$D" > mnt/script.sh && chmod +x mnt/script.sh && mnt/script.sh an interpreter in the mount
printf '#!%s/mnt/myecho host\n' "$D" > outside/script.sh && chmod +x outside/script.sh && outside/script.sh script
chmod -x mnt/script.sh && mnt/script.sh 2>&1 | sed 's/.*: //'
cp /bin/readlink mnt/myreadlink && mnt/myreadlink /proc/self/exe
printf '#!/bin/sh\nreadlink /proc/$$/exe\n' > mnt/exe.sh && chmod +x mnt/exe.sh && mnt/exe.sh
echo "== git"
git init -q mnt/repo
echo tracked > mnt/repo/file
git -C mnt/repo add file
git -C mnt/repo -c user.name=t -c user.email=t@example.org commit -q -m 'first commit'
git -C mnt/repo log --format=%s
git -C "$D/mnt/repo" status --short
ls src/repo
echo "== nested"
$MOUNT "$D/other" "$D/mnt/sub" || echo nested mount failed
ls mnt/sub
cat mnt/sub/x
$UMOUNT "$D/mnt" 2>/dev/null || echo "unmounting a mount with a mount below it is refused"
find mnt -name x
find "$D" -path "$D/mnt/*" -name x
(cd mnt/sub && ls .. && cat x ../a.txt)
$UMOUNT "$D/mnt/sub"
ls mnt/sub
echo "== errors"
rmdir mnt 2>&1
ln mnt/a.txt outside/hard 2>&1
mv mnt/a.txt outside/moved && ls outside && mv outside/moved mnt/a.txt
cat mnt/nonexistent 2>&1
cd mnt/a.txt 2>&1
echo "== umount"
cd /
$UMOUNT "$D/mnt"
echo "rc=$?"
ls "$D/mnt"
