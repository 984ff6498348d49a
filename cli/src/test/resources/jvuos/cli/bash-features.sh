# Pipes, subshells, redirections, here-docs, traps, background jobs and wait.
f() { echo "in f $1"; }
f abc | tr a-z A-Z | rev
(cd / && pwd; exit 5); echo "subshell status $?"
echo out > file; echo err >&2; cat file nonexistent 2>&1 >/dev/null | sed 's/^/captured: /'
cat <<END
here-doc $((6 * 7)) $(echo nested $(echo deeper))
END
cat <<'END'
quoted $HOME stays
END
trap 'echo trapped USR1' USR1
kill -USR1 $$
trap 'echo exit trap' EXIT
sleep 0.2 & p=$!
(sleep 0.1; exit 3) & q=$!
wait $p; echo "p status $?"
wait $q; echo "q status $?"
for i in 3 1 2; do echo $i; done | sort
exec 3>fd3.txt; echo via fd3 >&3; exec 3>&-; cat fd3.txt
while read -r line; do echo "read: $line"; done < file
echo "subshell depth $BASH_SUBSHELL $(echo $BASH_SUBSHELL)"
{ echo grouped; echo to stderr >&2; } 2>&1 | wc -l
coproc upper { tr a-z A-Z; }; echo hello >&"${upper[1]}"; exec {upper[1]}>&-; read -r got <&"${upper[0]}"; echo "coproc: $got"
set -- a "b c" d; echo "$# args: $2"
echo "$(( $(seq 1 100 | paste -sd+) ))"
kill -TERM $$
echo never reached
