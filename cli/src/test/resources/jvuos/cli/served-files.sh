# File work in the current directory, whose output is compared between a host directory and
# a directory served by a module (memfs). Sizes, modes, names, contents and error messages
# must match; times, inode and device numbers are left out.
set -u
listing() { find "$@" -printf '%p %y %m %s %n %l\n' | sort; }
mkdir -p a/b/c && echo hello > a/f && printf 'x%.0s' $(seq 1 10000) > big
cat a/f; wc -c big; head -c 5 big; echo
ln -s f a/link && readlink a/link && cat a/link
ln a/f a/hard && stat -c '%n %h %s %F %a' a/f a/hard a/link
ln -s ../big a/b/up && cat a/b/up | wc -c
cp -a a a2 && listing a2
mv a2 a3 && rm -r a3/b && listing a3
rmdir a3 ; echo "rmdir: $?"
rm a3; echo "rm dir: $?"
mkdir a3; echo "mkdir existing: $?"
echo appended >> a/f && cat a/f
truncate -s 3 a/f && cat a/f && echo
dd if=/dev/zero of=z bs=1k count=64 status=none && wc -c z && cmp z /dev/zero 2>&1 | sed 's/ after.*//'
dd if=big of=part bs=100 skip=3 count=2 status=none && wc -c part
chmod 600 a/f && stat -c %a a/f
touch -d '2020-01-02 03:04:05' a/f && stat -c %Y a/f
tar cf arch.tar a && mkdir x && tar xf arch.tar -C x && diff -r a x/a && echo "tar: same"
tar tf arch.tar | sort
mkfifo -m 644 fifo && stat -c '%n %F %a' fifo
cd a/b && pwd -P | sed "s|^$HERE||" && cd ../.. && ls a/b
(cd a && ls -d "$PWD"/b | sed "s|^$HERE||")
sort -r big a/f > sorted 2>&1; wc -c sorted
echo 'print("from python")' > p.py && python3 p.py
cp /bin/echo ./myecho && ./myecho "exec of a copied binary"
printf '#!/bin/sh\necho "a script: $0"\n' > s.sh && chmod +x s.sh && ./s.sh
listing .
