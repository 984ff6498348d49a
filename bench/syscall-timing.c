/*
 * syscall-timing.c - per-call cost of two system calls, for bench/run-benchmark.py.
 *
 *   stat("/usr/bin/env")   a path-based call: a tracer that virtualizes paths
 *                          has to stop on it and inspect its argument.
 *   syscall(SYS_getpid)    a call a seccomp-accelerated tracer should let
 *                          through without a stop. It is issued through
 *                          syscall() so glibc cannot answer it from a cache.
 *
 * Time is taken with clock_gettime(CLOCK_MONOTONIC), which goes through the
 * vDSO and so is not itself a traced system call.
 *
 * Usage: syscall-timing [N_STAT [N_GETPID]]   (defaults 200000 each)
 * Output (one "name value" pair per line, value in microseconds per call):
 *   stat_us 0.4123
 *   getpid_us 0.0567
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	const char *path = "/usr/bin/env";
	long n_stat = argc > 1 ? atol(argv[1]) : 200000;
	long n_getpid = argc > 2 ? atol(argv[2]) : 200000;
	struct stat st;
	volatile long sink = 0; /* keeps the getpid loop from being optimized out */
	double t0, t1, t2;
	long i;

	if (n_stat <= 0 || n_getpid <= 0) {
		fprintf(stderr, "usage: %s [N_STAT [N_GETPID]]\n", argv[0]);
		return 2;
	}

	t0 = now_us();
	for (i = 0; i < n_stat; i++) {
		if (stat(path, &st) != 0) {
			perror(path);
			return 1;
		}
	}
	t1 = now_us();
	for (i = 0; i < n_getpid; i++)
		sink += syscall(SYS_getpid);
	t2 = now_us();

	if (sink <= 0) { /* getpid never returns <= 0; a failure would show here */
		fprintf(stderr, "getpid returned a bad value\n");
		return 1;
	}
	printf("stat_us %.4f\n", (t1 - t0) / n_stat);
	printf("getpid_us %.4f\n", (t2 - t1) / n_getpid);
	return 0;
}
