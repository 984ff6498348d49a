mkdir -p src/a/b src/empty
echo one > src/a/f1
printf 'two\nlines\n' > src/a/b/f2
head -c 100000 /dev/zero | tr '\0' x > src/a/big
ln -s f1 src/a/link
chmod 640 src/a/b/f2
touch -h -d '2020-01-02 03:04:05' src/a/f1 src/a/b/f2 src/a/big src/a/link src/a/b src/empty src/a src
ls -laR --time-style=+%F_%T src | grep -v ' \.\.$'
cp -a src dst
ls -laR --time-style=+%F_%T dst | grep -v ' \.\.$'
mv dst/a/f1 dst/a/g1
rm -r dst/a/b
ls -la dst/a | awk '{print $1, $5, $NF}'
stat -c '%n %s %a %F %h %N' src/a/f1 src/a/link src/a/b src/a/big
find src -type f -exec sha256sum {} \; | sort
find src -name 'f*' -newer src/a/big -print | sort
du -a src | sort -k2
du -sh src
printf '3\n10\n2\nb\na\n' | sort
printf '3\n10\n2\n' | sort -n -r
sort -u src/a/b/f2 src/a/b/f2
sha256sum src/a/big
wc -c src/a/big
cat src/a/link
readlink src/a/link
ln src/a/f1 hard && stat -c '%h' src/a/f1
rm -r src dst hard
ls -A
