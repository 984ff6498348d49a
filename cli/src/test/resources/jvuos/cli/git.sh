export HOME=$PWD GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=Tester GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=Tester GIT_COMMITTER_EMAIL=t@example.org
export GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' GIT_COMMITTER_DATE='2020-01-01T00:00:00Z'
git init -q -b main repo
cd repo
printf 'line 1\n' > a.txt
mkdir dir && echo nested > dir/b.txt
git add a.txt dir
git commit -q -m 'first commit'
printf 'line 2\n' >> a.txt
git commit -q -am 'second commit'
git log --stat
git status --short
git rev-parse HEAD
git diff HEAD~1 --stat
git branch topic && git checkout -q topic && echo t > t.txt && git add t.txt && git commit -q -m topic
git log --oneline --all --graph
