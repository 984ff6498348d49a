/*
 * The network namespace of a vunetvdestack mount. Started by the hypervisor with a pipe on
 * stdin (requests) and one on stdout (replies), it moves into new user and network namespaces
 * (the user's ids mapped to root there, so that it may configure them), makes the tap
 * interface that the stack's frames cross, and then makes sockets in that namespace on
 * request. The hypervisor takes each fd from it with pidfd_getfd(2): the tap's first, then
 * each socket's; the helper closes its copy when told the hypervisor has it. It exits when
 * its stdin closes (the unmount, or the hypervisor's end).
 *
 *   vdestack-helper IFNAME [MAC]
 * Lines on stdout: "fd FD" of the tap (or "error ERRNO WHAT", and exit 1); then for each
 * request line "socket FAMILY TYPE PROTOCOL", "fd FD" or "errno ERRNO". After each "fd" the
 * hypervisor answers "taken", and the helper closes its copy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *what) {
    printf("error %d %s\n", errno, what);
    fflush(stdout);
    return 1;
}

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t) strlen(text) ? 0 : -1;
}

/* Root in the new user namespace is the user who started the hypervisor. */
static int map_ids(uid_t uid, gid_t gid) {
    char line[64];
    snprintf(line, sizeof line, "0 %u 1\n", (unsigned) uid);
    if (write_file("/proc/self/uid_map", line) < 0) {
        return -1;
    }
    if (write_file("/proc/self/setgroups", "deny") < 0 && errno != ENOENT) {
        return -1;
    }
    snprintf(line, sizeof line, "0 %u 1\n", (unsigned) gid);
    return write_file("/proc/self/gid_map", line);
}

static int parse_mac(const char *text, unsigned char mac[6]) {
    unsigned int b[6];
    if (sscanf(text, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6) {
        return -1;
    }
    for (int i = 0; i < 6; i++) {
        if (b[i] > 255) {
            return -1;
        }
        mac[i] = (unsigned char) b[i];
    }
    return 0;
}

static int open_tap(const char *name, const char *mac) {
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (mac != NULL) {
        ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (parse_mac(mac, (unsigned char *) ifr.ifr_hwaddr.sa_data) < 0) {
            errno = EINVAL;
        }
        if (s < 0 || errno == EINVAL || ioctl(s, SIOCSIFHWADDR, &ifr) < 0) {
            int e = errno == 0 ? EINVAL : errno;
            if (s >= 0) {
                close(s);
            }
            close(fd);
            errno = e;
            return -1;
        }
        close(s);
    }
    return fd;
}

/* The loopback interface up, as in any new network namespace a system configures. */
static void loopback_up(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    if (s >= 0) {
        close(s);
    }
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3 || strlen(argv[1]) >= IFNAMSIZ) {
        fprintf(stderr, "usage: %s IFNAME [MAC]\n", argv[0]);
        return 2;
    }
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0) {
        return fail("new user and network namespaces (are unprivileged user namespaces allowed here?)");
    }
    if (map_ids(uid, gid) < 0) {
        return fail("mapping the user into the new user namespace");
    }
    errno = 0;
    int tap = open_tap(argv[1], argc == 3 ? argv[2] : NULL);
    if (tap < 0) {
        return fail("a tap interface in the new network namespace (is /dev/net/tun usable?)");
    }
    loopback_up();
    printf("fd %d\n", tap);
    fflush(stdout);
    char line[128];
    if (fgets(line, sizeof line, stdin) == NULL) {
        return 0;
    }
    close(tap);
    while (fgets(line, sizeof line, stdin) != NULL) {
        int family, type, protocol;
        if (sscanf(line, "socket %d %d %d", &family, &type, &protocol) == 3) {
            int fd = socket(family, type | SOCK_CLOEXEC, protocol);
            if (fd < 0) {
                printf("errno %d\n", errno);
                fflush(stdout);
                continue;
            }
            printf("fd %d\n", fd);
            fflush(stdout);
            if (fgets(line, sizeof line, stdin) == NULL) {
                break;
            }
            close(fd); /* "taken": the hypervisor has its own copy */
        }
    }
    return 0;
}
