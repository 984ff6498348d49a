# File operations in a copy-on-write union, run once in the kernel's overlayfs (the oracle) and
# once in a vufs cow view over the same lower tree: every operation's outcome must be the same.
#   bash union-ops.sh tree   (natively, in an empty directory) makes the lower tree
#   bash union-ops.sh ops    (in the union's mount point) runs the operations and prints, for
#                            each, the command, its exit status and its output, errors included
# Paths are relative to the current directory, so that error messages are the same in both runs.

# The lower tree: each name is there for one or two operations below.
make_tree() {
    printf 'hello\n' > f.txt
    printf 'line1\n' > append.txt
    printf 'some content\n' > trunc.txt
    seq 1 5000 > big.txt
    seq 1 100000 > large.txt
    printf 'mapped\n' > mapped.txt
    mkdir many empty-target && for i in $(seq 1 400); do : > many/f$i; done
    printf 'data\n' > grow.txt
    printf 'read only\n' > ro.txt && chmod 444 ro.txt
    printf 'owned\n' > owned.txt
    printf '#!/bin/sh\necho run from the view\n' > exe.sh && chmod 755 exe.sh
    printf 'old\n' > fd.txt
    printf 'exists\n' > excl.txt
    printf 'gone\n' > recreate.txt
    printf 'linked\n' > hard1 && ln hard1 hard2
    printf 'mv me\n' > mvfile.txt
    printf 'pymv me\n' > pymv.txt
    printf 'over\n' > target.txt
    printf 'touch me\n' > touched.txt
    mkdir -m 750 d && printf 'inner\n' > d/inner.txt && mkdir d/sub && printf 'deep\n' > d/sub/deep.txt
    mkdir dmv dmv/in && printf 'x\n' > dmv/x && printf 'y\n' > dmv/in/y && ln -s x dmv/lx
    mkdir dmv2 && printf 'z\n' > dmv2/z
    mkdir empty
    mkdir reborn reborn/oldd && printf '1\n' > reborn/old1 && printf '2\n' > reborn/oldd/old2
    mkdir reborn2 && printf '3\n' > reborn2/old3
    mkdir drain && printf 'only\n' > drain/only
    mkdir -m 700 private && printf 'p\n' > private/p
    ln -s f.txt link
    ln -s nowhere dangling
    ln -s d dirlink
    ln -s f.txt slink
    mkfifo bfifo
    printf 'ino\n' > ino.txt && mkdir inod && printf 'i\n' > inod/i
    mkdir old && printf 'old file\n' > old/file && printf 'old too\n' > old/chmodded
    touch -d '2010-01-01 00:00:00' touched.txt old/file old/chmodded old
}

# op 'COMMANDS': runs COMMANDS in a subshell, prints them, their exit status and their output.
op() {
    local out rc
    out=$(eval "$1" 2>&1)
    rc=$?
    printf '%s => %d\n' "$1" "$rc"
    [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/  | /'
}

# pysys OP ARGS: one system call, its error printed as the errno's name (no traceback).
pysys() {
    python3 - "$@" <<'EOF'
import errno, os, sys
op, args = sys.argv[1], sys.argv[2:]
try:
    if op == "rename":      # rename(2) itself: mv would fall back to copying on EXDEV
        os.rename(*args)
    elif op == "excl":      # open(O_CREAT|O_EXCL)
        os.close(os.open(args[0], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    elif op == "mmapw":     # a write through a shared mapping
        import mmap
        with open(args[0], "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
            m[0:3] = b"MAP"
            m.flush()
    print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])
    sys.exit(1)
EOF
}

run_ops() {
    echo "== write, append, truncate"
    op 'echo new > new.txt && cat new.txt'
    op 'echo more >> append.txt && cat append.txt'
    op ': > trunc.txt && stat -c %s trunc.txt'
    op 'truncate -s 3 big.txt && cat big.txt'
    op 'truncate -s 100 grow.txt && stat -c %s grow.txt && head -c 5 grow.txt'
    op 'printf XY | dd of=f.txt bs=1 seek=2 conv=notrunc status=none && cat f.txt link'
    op 'printf XY | dd of=large.txt bs=1 seek=300000 conv=notrunc status=none && tail -c +299995 large.txt | head -c 12'
    op 'pysys mmapw mapped.txt && cat mapped.txt'
    echo "== a read-only fd opened before the copy-up reads the new data"
    op 'exec 3<fd.txt; echo new >> fd.txt; cat <&3'
    echo "== O_EXCL, mkdir over a name"
    op 'pysys excl excl.txt'
    op 'pysys excl d'
    op 'rm recreate.txt && pysys excl recreate.txt && echo again > recreate.txt && cat recreate.txt'
    op 'mkdir d'
    op 'mkdir link'
    echo "== rename of files"
    op 'mv mvfile.txt moved.txt && cat moved.txt; cat mvfile.txt'
    op 'pysys rename pymv.txt d/pymoved.txt && cat d/pymoved.txt; cat pymv.txt'
    op 'pysys rename d/sub/deep.txt deep.txt && cat deep.txt'
    op 'mv new.txt target.txt && cat target.txt'
    op 'mv moved.txt mvfile.txt && cat mvfile.txt'
    op 'mv exe.sh d/sub/ && d/sub/exe.sh'
    echo "== rename of directories"
    op 'pysys rename dmv dmv-renamed'
    op 'pysys rename empty empty2'
    op 'pysys rename d d-renamed'
    op 'mv dmv dmv-moved && ls -R dmv-moved; ls dmv'
    op 'mv dmv2 d/ && cat d/dmv2/z'
    op 'mkdir fresh && echo a > fresh/a && pysys rename fresh fresh2 && cat fresh2/a'
    op 'mkdir fresh3 && pysys rename fresh3 empty-target && ls -A empty-target'
    echo "== a directory with more entries than one getdents call returns"
    op 'rm many/f1* && for i in $(seq 401 450); do : > many/f$i; done; ls many | wc -l; ls -f many | sort | uniq -d'
    echo "== unlink, rmdir"
    op 'rm d/inner.txt && ls d'
    op 'rm dangling slink && ls -d dangling slink'
    op 'rmdir empty && ls -d empty'
    op 'rmdir d'
    op 'rm drain/only && rmdir drain && ls -d drain'
    op 'rm -r reborn && mkdir reborn && ls -A reborn && echo n > reborn/old1 && ls -A reborn'
    op 'rm reborn2/old3 && rmdir reborn2 && mkdir reborn2 && ls -A reborn2 && stat -c %F reborn2'
    op 'mkdir -p d/sub/new/deeper private/x/y && ls -R d private'
    echo "== symlinks, hard links"
    op 'ln -s f.txt newlink && cat newlink && readlink newlink'
    op 'ln -sfn d/sub dirlink && readlink dirlink && ls dirlink'
    op 'ln hard1 hard3 && echo changed >> hard1 && cat hard1 hard2 hard3'
    op 'ln d d-hard'
    op 'ln -s x d/sub/new/sl && readlink d/sub/new/sl'
    echo "== attributes"
    op 'chmod 600 ro.txt && stat -c %a ro.txt && cat ro.txt'
    op 'chmod 711 private && stat -c %a private'
    op 'chown 12:34 owned.txt && stat -c %u:%g owned.txt && cat owned.txt'
    op 'touch -d "2001-02-03 04:05:06" touched.txt d && stat -c "%n %y" touched.txt d && cat touched.txt'
    echo "== a copy-up keeps the times of the file and of its parent"
    op 'echo more >> old/file && chmod 600 old/chmodded && stat -c "%n %y" old old/chmodded'
    op 'touch -h -d "2002-03-04 05:06:07" link && stat -c "%n %y %N" link'
    echo "== st_ino stays across a copy-up, st_dev is the union's own"
    op 'i=$(stat -c %i ino.txt inod) && echo x >> ino.txt && touch inod/new && [ "$(stat -c %i ino.txt inod)" = "$i" ] && echo same'
    op '[ "$(stat -c %d ino.txt)" = "$(stat -c %d hard2)" ] && [ "$(stat -c %d .)" != "$(stat -c %d ..)" ] && echo own'
    echo "== fifos"
    op 'mkfifo fifo && stat -c %F fifo'
    op 'stat -c %F bfifo && rm bfifo && stat bfifo'
    echo "== the metadata directory is not part of the view"
    op 'ls -d .-'
    op 'ls -A | grep -c -- "^\.-"'
}

case $1 in
    tree) make_tree ;;
    ops) run_ops ;;
    *) echo "usage: union-ops.sh tree|ops" >&2; exit 2 ;;
esac
