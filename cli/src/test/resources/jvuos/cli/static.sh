cat > hello.c <<'END'
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
    printf("static hello, %d args, first %s\n", argc, argc > 1 ? argv[1] : "-");
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        printf("static child\n");
        return 4;
    }
    int status;
    waitpid(p, &status, 0);
    printf("child status %d\n", WEXITSTATUS(status));
    return 3;
}
END
gcc -static -O1 -o hello hello.c
file hello | grep -o 'statically linked'
./hello arg1 arg2
echo "status $?"
