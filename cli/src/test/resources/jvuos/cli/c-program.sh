cat > prog.c <<'END'
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on_usr1(int sig) { got = sig; }

static void *worker(void *arg) {
    long n = (long)arg, sum = 0;
    for (long i = 0; i <= n * 100000; i++)
        sum += i % 7;
    return (void *)sum;
}

int main(void) {
    pthread_t t[4];
    long total = 0;
    for (long i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, worker, (void *)(i + 1));
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        total += (long)r;
    }
    printf("threads total %ld\n", total);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("handled signal %d\n", (int)got);
    fflush(stdout);

    pid_t child = fork();
    if (child == 0) {
        execlp("sh", "sh", "-c", "echo from exec in child; exit 9", (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(child, &status, 0);
    printf("child exited %d\n", WEXITSTATUS(status));

    child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    kill(child, SIGTERM);
    waitpid(child, &status, 0);
    printf("child killed by %d\n", WTERMSIG(status));

    int fds[2];
    pipe(fds);
    child = fork();
    if (child == 0) {
        close(fds[0]);
        dprintf(fds[1], "through a pipe from %s\n", "the child");
        _exit(0);
    }
    close(fds[1]);
    char buf[128];
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("%s", buf);
    waitpid(child, NULL, 0);
    fflush(stdout);
    signal(SIGABRT, SIG_DFL);
    kill(getpid(), SIGUSR2); /* ends the program by a signal */
    return 0;
}
END
gcc -O1 -pthread -Wall -o prog prog.c
# bash reports the signal with the pid, padded to five places: both differ from run to run.
{ ./prog; echo "prog status $?"; } 2>&1 | sed 's/  *[0-9]* User defined/ PID User defined/' 

# execve from a thread that is not the leader: the kernel gives it the leader's pid.
cat > threadexec.c <<'END'
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *exec_from_thread(void *arg) {
    (void)arg;
    printf("pid before exec %s\n", getpid() > 0 ? "ok" : "bad");
    fflush(stdout);
    execlp("sh", "sh", "-c", "echo exec from a thread worked; exit 5", (char *)NULL);
    return NULL;
}

int main(void) {
    pthread_t t[3];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, (void *(*)(void *))pause, NULL);
    pthread_create(&t[2], NULL, exec_from_thread, NULL);
    pause();
    return 0;
}
END
gcc -O1 -pthread -o threadexec threadexec.c
./threadexec
echo "threadexec status $?"

# A parent that leaves a zombie child for a while, and vfork through posix_spawn.
cat > zombie.c <<'END'
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
extern char **environ;
int main(void) {
    pid_t child = fork();
    if (child == 0)
        _exit(6);
    usleep(200000); /* the child is a zombie meanwhile */
    int status;
    waitpid(child, &status, 0);
    printf("zombie reaped with %d\n", WEXITSTATUS(status));
    char *argv[] = {"echo", "spawned", NULL};
    pid_t spawned;
    posix_spawnp(&spawned, "echo", NULL, NULL, argv, environ);
    waitpid(spawned, &status, 0);
    printf("spawn status %d\n", WEXITSTATUS(status));
    return 0;
}
END
gcc -O1 -o zombie zombie.c && ./zombie
