mkdir -p tree/sub/deep
for i in 1 2 3 4 5; do seq 1 $((i * 1000)) > tree/sub/file$i; done
echo deep > tree/sub/deep/leaf
ln -s sub/file1 tree/link
touch -h -d '2021-03-04 05:06:07' tree/sub/deep/leaf tree/sub/file* tree/link tree/sub/deep tree/sub tree
tar cf archive.tar tree
tar tvf archive.tar --utc | sort -k6
mkdir out && tar xf archive.tar -C out
diff -r tree out/tree && echo identical
tar czf - tree | tar tzf - | sort
tar cf - tree | (cd out && tar xpf - && echo piped extract ok)
ls -la --time-style=+%F out/tree | awk '{print $1, $5, $6, $NF}'
