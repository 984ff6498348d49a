# Real programs writing over an existing tree: run once natively on a plain directory (the
# oracle: their effect is deterministic) and once in a vufs cow view of the same tree, whose
# host directory must stay as it was.
#   bash union-programs.sh setup   (natively, in an empty directory D) makes the tree D/B and,
#                                  outside it, what the programs copy in (D/src, D/t.tar, D/pkg)
#   bash union-programs.sh run     (in D/B, or in the view mounted there) runs the programs
set -u
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org
export GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' GIT_COMMITTER_DATE='2020-01-01T00:00:00Z'

setup() {
    # An old tree that cp -a and tar overwrite in part: a file replaced, a directory merged,
    # a directory left alone, a symlink replaced by one pointing elsewhere.
    for t in B/cptree B/tartree; do
        mkdir -p $t/sub $t/keep
        echo old > $t/a && echo old > $t/sub/b && echo kept > $t/sub/kept && echo keep > $t/keep/k
        ln -s a $t/l
    done
    mkdir -p src/tree/sub src/tree/newdir
    echo new-a > src/tree/a && echo new-b > src/tree/sub/b && echo c > src/tree/newdir/c
    chmod 600 src/tree/a && chmod 700 src/tree/newdir
    ln -s sub/b src/tree/l
    find src -exec touch -h -d '2021-03-04 05:06:07' {} +
    tar -C src/tree -cf t.tar .

    # A repository with two branches that differ by a changed, a deleted and an added file.
    git init -q B/repo && cd B/repo || exit 1
    git checkout -q -b main
    echo one > file && echo same > common && mkdir dir && echo x > dir/x && chmod 755 dir/x
    git add -A && git commit -q -m one
    git checkout -q -b other
    echo two > file && git rm -q dir/x && mkdir nd && echo n > nd/n && chmod 644 common
    git add -A && git commit -q -m two
    git checkout -q main && cd ../.. || exit 1

    # A /usr/local-like tree with an old version of what the package installs, and the package.
    mkdir -p B/local/bin B/local/lib B/local/share/man B/local/share/doc/other
    printf '#!/bin/sh\necho tool 1\n' > B/local/bin/tool && chmod 755 B/local/bin/tool
    echo lib > B/local/lib/libold.a && echo doc > B/local/share/doc/other/README
    mkdir -p pkg
    printf '#!/bin/sh\necho tool 2\n' > pkg/tool && echo '.TH TOOL 1' > pkg/tool.1 && echo data > pkg/data.txt
    printf 'PREFIX ?= /usr/local\ninstall:\n' > pkg/Makefile
    printf '\tinstall -D -m 755 tool $(PREFIX)/bin/tool\n' >> pkg/Makefile
    printf '\tinstall -D -m 644 tool.1 $(PREFIX)/share/man/man1/tool.1\n' >> pkg/Makefile
    printf '\tinstall -d $(PREFIX)/share/tool\n\tinstall -m 640 data.txt $(PREFIX)/share/tool/\n' >> pkg/Makefile

    # A file for sed -i (its mode must survive), and a subtree for rm -rf.
    printf '[ui]\ncolor=red\nsize=3\n' > B/conf.ini && chmod 640 B/conf.ini
    mkdir -p B/data/junk/deeper && echo keep > B/data/keep.txt
    echo a > B/data/junk/a && echo c > B/data/junk/deeper/c && ln -s a B/data/junk/sl

    # Every time in B fixed, so that times the programs do not set are the same in both runs.
    find B -exec touch -h -d '2019-05-06 07:08:09' {} +
}

run() {
    D=$(dirname "$PWD")
    echo "== cp -a over an existing tree"
    cp -a "$D/src/tree/." cptree/ && echo "cp $?"
    echo "== tar x over an existing tree"
    tar -C tartree -xf "$D/t.tar" && echo "tar $?"
    echo "== times that cp -a and tar set"
    find cptree tartree -printf '%p %y %TY-%Tm-%Td %TT\n' | sort
    echo "== git checkout of another branch"
    git -C repo checkout -q other && git -C repo status --porcelain && git -C repo log --format='%h %s'
    git -C repo branch --show-current
    cat repo/file; ls repo repo/dir 2>&1
    echo "== python3 -m venv"
    # Debian's python3 has ensurepip only with python3-venv; without it, a venv without pip.
    pip=--without-pip
    python3 -c 'import ensurepip' 2>/dev/null && pip=
    python3 -m venv $pip venv && echo "venv $?"
    venv/bin/python -c 'import sys; print(sys.prefix, sys.prefix != sys.base_prefix)'
    [ -z "$pip" ] && { venv/bin/python -m pip --version; }
    echo "== make install"
    make -s -C "$D/pkg" install PREFIX="$PWD/local" && echo "make $?"
    local/bin/tool
    echo "== sed -i"
    sed -i 's/red/blue/' conf.ini && cat conf.ini && stat -c %a conf.ini
    echo "== rm -rf"
    rm -rf data/junk && ls -A data
}

case $1 in
    setup) setup ;;
    run) run ;;
    *) echo "usage: union-programs.sh setup|run" >&2; exit 2 ;;
esac
