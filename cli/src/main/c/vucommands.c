/*
 * The vu commands, one binary started under several names:
 *   vumount [-t TYPE] [-o OPTS] [-r|-w] SOURCE TARGET   (no arguments: list the view's mounts)
 *   vuumount [-f] [-d] TARGET
 *   vu_insmod [-p] MODULE...
 *   vu_rmmod MODULE...
 *   vu_lsmod
 *   vustack [-v] [-s] [-f FAMILIES] STACK CMD [ARGS...]
 * They work only inside umvu: mount(2) and umount2(2) are served by the hypervisor, and the
 * VU calls (numbers in umvu-core's VuCalls.java) get ENOSYS from a plain kernel. Unlike VUOS's,
 * they exit non-zero with a one-line message on any error.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define VU_INSMOD 1024
#define VU_RMMOD 1025
#define VU_LSMOD 1026
#define VU_LSMOUNT 1027
#define VU_MSOCKET 1028
#define SOCK_DEFAULT 0
/* The file type of a mounted network stack: none of the kernel's (VUOS's S_IFSTACK). */
#define S_IFSTACK 0160000

static const char *prog;

static int fail(const char *what, const char *arg) {
    fprintf(stderr, "%s: %s%s%s: %s\n", prog, what, arg ? " " : "", arg ? arg : "", strerror(errno));
    return 1;
}

static int usage(const char *synopsis) {
    fprintf(stderr, "usage: %s %s\n", prog, synopsis);
    return 2;
}

/* Outside umvu the VU calls do not exist: say so instead of touching the host's mounts. */
static int require_umvu(void) {
    if (syscall(VU_LSMOD, NULL, 0) < 0 && errno == ENOSYS) {
        fprintf(stderr, "%s: not running inside umvu\n", prog);
        return 0;
    }
    return 1;
}

/* The text a VU listing call returns, in a buffer grown until it fits; NULL with errno set. */
static char *vu_text(long call) {
    size_t size = 4096;
    for (;;) {
        char *buf = malloc(size + 1);
        if (buf == NULL) {
            return NULL;
        }
        long n = syscall(call, buf, size);
        if (n >= 0) {
            buf[n] = '\0';
            return buf;
        }
        free(buf);
        if (errno != ERANGE) {
            return NULL;
        }
        size *= 4;
    }
}

/* Decodes the kernel's \ooo escapes of a /proc/mounts field in place. */
static void unescape(char *s) {
    char *out = s;
    while (*s) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
            *out++ = (char) ((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 4;
        } else {
            *out++ = *s++;
        }
    }
    *out = '\0';
}

static int list_mounts(void) {
    char *text = vu_text(VU_LSMOUNT);
    if (text == NULL) {
        return fail("listing mounts", NULL);
    }
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[4] = {0};
        char *fs = NULL;
        int i = 0;
        for (char *t = strtok_r(line, " ", &fs); t && i < 4; t = strtok_r(NULL, " ", &fs)) {
            unescape(t);
            f[i++] = t;
        }
        if (i == 4) {
            printf("%s on %s type %s (%s)\n", f[0], f[1], f[2], f[3]);
        }
    }
    free(text);
    return 0;
}

static int vumount(int argc, char **argv) {
    const char *synopsis = "[-t TYPE] [-o OPTIONS] [-r|-w] SOURCE TARGET";
    const char *type = NULL, *options = NULL;
    unsigned long flags = 0;
    int c;
    while ((c = getopt(argc, argv, "+t:o:rwh")) != -1) {
        switch (c) {
        case 't': type = optarg; break;
        case 'o': options = optarg; break;
        case 'r': flags |= MS_RDONLY; break;
        case 'w': flags &= ~MS_RDONLY; break;
        default: return usage(synopsis);
        }
    }
    if (!require_umvu()) {
        return 1;
    }
    if (optind == argc && type == NULL && options == NULL) {
        return list_mounts();
    }
    if (argc - optind != 2) {
        return usage(synopsis);
    }
    if (mount(argv[optind], argv[optind + 1], type, flags, options) < 0) {
        return fail("mounting on", argv[optind + 1]);
    }
    return 0;
}

static int vuumount(int argc, char **argv) {
    const char *synopsis = "[-f] [-d] TARGET";
    int flags = 0;
    int c;
    while ((c = getopt(argc, argv, "+fdh")) != -1) {
        switch (c) {
        case 'f': flags |= MNT_FORCE; break;
        case 'd': flags |= MNT_DETACH; break;
        default: return usage(synopsis);
        }
    }
    if (argc - optind != 1) {
        return usage(synopsis);
    }
    if (!require_umvu()) {
        return 1;
    }
    if (umount2(argv[optind], flags) < 0) {
        return fail("unmounting", argv[optind]);
    }
    return 0;
}

static int vu_insmod(int argc, char **argv) {
    int permanent = 0;
    int c;
    while ((c = getopt(argc, argv, "+ph")) != -1) {
        switch (c) {
        case 'p': permanent = 1; break;
        default: return usage("[-p] MODULE...");
        }
    }
    if (optind == argc) {
        return usage("[-p] MODULE...");
    }
    if (!require_umvu()) {
        return 1;
    }
    int status = 0;
    for (int i = optind; i < argc; i++) {
        if (syscall(VU_INSMOD, argv[i], permanent) < 0) {
            status = fail("loading module", argv[i]);
        }
    }
    return status;
}

static int vu_rmmod(int argc, char **argv) {
    if (argc < 2 || argv[1][0] == '-') {
        return usage("MODULE...");
    }
    if (!require_umvu()) {
        return 1;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        if (syscall(VU_RMMOD, argv[i]) < 0) {
            status = fail("removing module", argv[i]);
        }
    }
    return status;
}

static int vu_lsmod(int argc, char **argv) {
    (void) argv;
    if (argc != 1) {
        return usage("");
    }
    if (!require_umvu()) {
        return 1;
    }
    char *text = vu_text(VU_LSMOD);
    if (text == NULL) {
        return fail("listing modules", NULL);
    }
    fputs(text, stdout);
    free(text);
    return 0;
}

/* Address families by name, as vustack -f takes them (VUOS's aliases first). */
static const struct { const char *name; int families[4]; } family_names[] = {
    {"ip", {AF_INET, AF_INET6, AF_NETLINK, AF_PACKET}},
    {"ipv4", {AF_INET}}, {"ip4", {AF_INET}}, {"inet", {AF_INET}},
    {"ipv6", {AF_INET6}}, {"ip6", {AF_INET6}}, {"inet6", {AF_INET6}},
    {"netlink", {AF_NETLINK}}, {"packet", {AF_PACKET}}, {"unix", {AF_UNIX}}, {"local", {AF_UNIX}},
    {"bt", {AF_BLUETOOTH}}, {"bluetooth", {AF_BLUETOOTH}},
};

/* Marks the families of a comma-separated list; 0 for an unknown name or number. */
static int parse_families(const char *list, unsigned char *chosen) {
    char *copy = strdup(list);
    char *save = NULL;
    int any = 0;
    for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        int known = 0;
        any = 1;
        if (isdigit((unsigned char) name[0])) {
            char *end;
            long family = strtol(name, &end, 10);
            if (*end == '\0' && family > 0 && family < AF_MAX) {
                chosen[family] = 1;
                known = 1;
            }
        }
        for (size_t i = 0; !known && i < sizeof(family_names) / sizeof(*family_names); i++) {
            if (strcasecmp(name, family_names[i].name) == 0) {
                for (int j = 0; j < 4 && family_names[i].families[j] != 0; j++) {
                    chosen[family_names[i].families[j]] = 1;
                }
                known = 1;
            }
        }
        if (!known) {
            fprintf(stderr, "%s: unknown address family %s\n", prog, name);
            free(copy);
            return 0;
        }
    }
    free(copy);
    if (!any) {
        fprintf(stderr, "%s: no address family in '%s'\n", prog, list);
    }
    return any;
}

/* Makes STACK the default network stack of the process for some families, then runs CMD. */
static int vustack(int argc, char **argv) {
    const char *synopsis = "[-v] [-s] [-f FAMILIES] STACK CMD [ARGS...]";
    unsigned char chosen[AF_MAX] = {0};
    int some = 0, verbose = 0;
    int c;
    while ((c = getopt(argc, argv, "+vsf:h")) != -1) {
        switch (c) {
        case 'f':
            if (!parse_families(optarg, chosen)) {
                return 2;
            }
            some = 1;
            break;
        case 's': break; /* every family the stack serves: what no -f means too */
        case 'v': verbose = 1; break;
        default: return usage(synopsis);
        }
    }
    if (argc - optind < 2) {
        return usage(synopsis);
    }
    if (!require_umvu()) {
        return 1;
    }
    const char *stack = argv[optind];
    struct stat st;
    if (stat(stack, &st) < 0) {
        return fail("no stack at", stack);
    }
    if ((st.st_mode & S_IFMT) != S_IFSTACK) {
        fprintf(stderr, "%s: %s is not a network stack\n", prog, stack);
        return 1;
    }
    if (!some) {
        if (verbose) {
            fprintf(stderr, "%s: %s for every address family it serves\n", prog, stack);
        }
        if (syscall(VU_MSOCKET, stack, AF_UNSPEC, SOCK_DEFAULT, 0) < 0) {
            return fail("using the stack", stack);
        }
    }
    for (int family = 1; some && family < AF_MAX; family++) {
        if (chosen[family]) {
            if (verbose) {
                fprintf(stderr, "%s: %s for address family %d\n", prog, stack, family);
            }
            if (syscall(VU_MSOCKET, stack, family, SOCK_DEFAULT, 0) < 0) {
                char what[64];
                snprintf(what, sizeof what, "using it for address family %d:", family);
                return fail(what, stack);
            }
        }
    }
    execvp(argv[optind + 1], argv + optind + 1);
    fprintf(stderr, "%s: %s: %s\n", prog, argv[optind + 1], strerror(errno));
    return errno == ENOENT ? 127 : 126;
}

int main(int argc, char **argv) {
    prog = basename(argv[0]);
    if (strcmp(prog, "vumount") == 0) return vumount(argc, argv);
    if (strcmp(prog, "vuumount") == 0) return vuumount(argc, argv);
    if (strcmp(prog, "vu_insmod") == 0) return vu_insmod(argc, argv);
    if (strcmp(prog, "vu_rmmod") == 0) return vu_rmmod(argc, argv);
    if (strcmp(prog, "vu_lsmod") == 0) return vu_lsmod(argc, argv);
    if (strcmp(prog, "vustack") == 0) return vustack(argc, argv);
    fprintf(stderr, "%s: start me as vumount, vuumount, vu_insmod, vu_rmmod, vu_lsmod or vustack\n", prog);
    return 2;
}
