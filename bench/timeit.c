/*
 * timeit.c - in-view wall time of one command, for bench/run-benchmark.py.
 *
 *   timeit CMD [ARGS...]
 *
 * Forks, execs CMD (execvp), waits for it and writes the elapsed
 * CLOCK_MONOTONIC time in seconds as one line
 *
 *   timeit: 1.234567890
 *
 * to the file descriptor named by the environment variable TIMEIT_FD if it
 * is set and valid, else to stderr.  Exits with CMD's status (128 + signal
 * number if CMD was killed by a signal; 127 if CMD could not be executed).
 *
 * Run under a tracer (`umvu timeit CMD`, `proot timeit CMD`), the interval
 * starts once the tracer is up and running timeit, so the tracer's own
 * start-up is left out while everything it costs CMD (the fork, the exec,
 * every traced system call) is counted.  clock_gettime goes through the
 * vDSO and so is not itself a traced system call.
 *
 * CMD inherits neither TIMEIT_FD nor the descriptor it names.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The descriptor from TIMEIT_FD, or 2 if it is unset or not an open fd. */
static int report_fd(void)
{
	const char *s = getenv("TIMEIT_FD");
	char *end;
	long fd;

	if (s == NULL || *s == '\0')
		return 2;
	errno = 0;
	fd = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || fd < 0 || fd > 1 << 20 ||
	    fcntl((int)fd, F_GETFD) < 0)
		return 2;
	return (int)fd;
}

int main(int argc, char **argv)
{
	int fd, status;
	pid_t pid, w;
	double t0, t1;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CMD [ARGS...]\n", argv[0]);
		return 2;
	}
	fd = report_fd();
	if (fd != 2)
		fcntl(fd, F_SETFD, FD_CLOEXEC); /* CMD does not get it */

	t0 = now_s();
	pid = fork();
	if (pid < 0) {
		perror("timeit: fork");
		return 127;
	}
	if (pid == 0) {
		unsetenv("TIMEIT_FD");
		execvp(argv[1], argv + 1);
		fprintf(stderr, "timeit: %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	t1 = now_s();
	if (w < 0) {
		perror("timeit: waitpid");
		return 127;
	}

	dprintf(fd, "timeit: %.9f\n", t1 - t0);

	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 127;
}
