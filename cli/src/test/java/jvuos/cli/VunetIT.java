package jvuos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vunet: network stacks that real programs (ip, ping, python3, busybox's udhcpd and udhcpc)
 * use through vustack, two of them wired to one vde_switch that the tests start on a socket in
 * a temporary directory. Traffic stays on that switch (the documentation ranges 192.0.2.0/24
 * and 2001:db8::/64), or goes to slirp's own DHCP server.
 */
class VunetIT {
    @TempDir
    static Path scratch;
    static Path vde;
    static Process vdeSwitch;
    static Path sockets;

    @BeforeAll
    static void startTheSwitch() throws IOException, InterruptedException {
        assumeTrue(Run.of(scratch, "", List.of("sh", "-c", "command -v vde_switch")).status() == 0,
                "vde_switch (Debian's vde2) is not installed");
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
        vde = scratch.resolve("switch");
        vdeSwitch = new ProcessBuilder("vde_switch", "-s", vde.toString(), "-M", scratch.resolve("mgmt").toString())
                .redirectErrorStream(true).redirectOutput(scratch.resolve("switch.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE).start();
        for (int i = 0; i < 50 && !Files.exists(vde.resolve("ctl")); i++) {
            Thread.sleep(100);
        }
        assertTrue(Files.exists(vde.resolve("ctl")), "vde_switch did not start: " + Files.readString(scratch.resolve("switch.log")));
        sockets = Run.resourceIn(scratch, "vunet-sockets.py");
    }

    @AfterAll
    static void stopTheSwitch() {
        if (vdeSwitch != null) {
            vdeSwitch.destroy();
        }
    }

    private static Run session(String script) {
        return Run.umvu(scratch, "", List.of(), List.of("bash", "-c", "set -e\n" + script));
    }

    /**
     * Two stacks on the switch, with addresses: a as .101 and ::1, b as .102 and ::2; b reaches
     * the switch through a vde_plug that libvdeplug's cmd:// starts (a child process of the
     * stack's, which the session must not wait for).
     */
    private static String twoStacks() {
        return """
                vumount -t vunetvdestack vde://%1$s /dev/net/a
                vumount -t vunetvdestack 'cmd://vde_plug vde://%1$s' /dev/net/b
                vustack /dev/net/a sh -c 'ip link set vde0 up; ip addr add 192.0.2.101/24 dev vde0; ip addr add 2001:db8::1/64 dev vde0 nodad'
                vustack /dev/net/b sh -c 'ip link set vde0 up; ip addr add 192.0.2.102/24 dev vde0; ip addr add 2001:db8::2/64 dev vde0 nodad'
                """.formatted(vde);
    }

    @Test
    void aStackIsSeenOnlyThroughVustack() {
        Run view = session("""
                vumount -t vunetvdestack -o mac=02:00:00:00:00:01,ifname=jvuos0 vde://%s /dev/net/x
                stat -c '%%A %%F' /dev/net/x | cut -c1 --complement
                vustack -v -s /dev/net/x ip -br link | awk '{print $1, $3}'
                vustack /dev/net/x sh -c 'ip link set jvuos0 up && ip addr add 192.0.2.101/24 dev jvuos0'
                vustack -f netlink /dev/net/x ip -4 -br addr show jvuos0 | awk '{print $1, $3}'
                vustack -f ipv4,ipv6 /dev/net/x ip -br link show jvuos0 2>&1 || true
                ip -br addr | grep -c 192.0.2.101 || true
                ip -br link | grep -c "^jvuos0"  || true
                """.formatted(vde));
        assertEquals(new Run("""
                rw------- weird file
                lo 00:00:00:00:00:00
                jvuos0 02:00:00:00:00:01
                jvuos0 192.0.2.101/24
                Device "jvuos0" does not exist.
                0
                0
                """, "vustack: /dev/net/x for every address family it serves\n", 0), view);
    }

    @Test
    void twoStacksOnOneSwitchPingAndTalkOverIpv4AndIpv6() {
        Run view = session(twoStacks() + """
                vustack /dev/net/a ping -c 1 -W 5 192.0.2.102 | grep -o '1 received'
                vustack /dev/net/b ping -c 1 -W 5 192.0.2.101 | grep -o '1 received'
                vustack /dev/net/a ping -c 1 -W 5 2001:db8::2 | grep -o '1 received'
                vustack /dev/net/b ping -c 1 -W 5 2001:db8::1 | grep -o '1 received'
                for pair in 192.0.2.102,192.0.2.101 2001:db8::2,2001:db8::1; do
                    addr=${pair%%,*}
                    vustack /dev/net/b python3 %1$s server $addr & server=$!
                    sleep 1
                    vustack /dev/net/a python3 %1$s client $addr ${pair#*,}
                    wait $server
                done
                """.formatted(sockets));
        String checks = """
                non-blocking connect: EINPROGRESS
                connected: True
                poll: True
                TCP_NODELAY: True
                peer: %s 7100
                local address: %s
                echoed 100000 bytes: True
                over SCM_RIGHTS: b'PASSED'
                close-on-exec: True
                udp: b'PING'
                a second connection ends: True
                """;
        assertEquals(new Run("1 received\n".repeat(4) + checks.formatted("192.0.2.102", "192.0.2.101")
                + checks.formatted("2001:db8::2", "2001:db8::1"), "", 0), view);
    }

    @Test
    void aDhcpServerInOneStackLeasesToTheOther() throws IOException {
        assumeTrue(Run.of(scratch, "", List.of("sh", "-c", "command -v busybox")).status() == 0, "busybox is not installed");
        Path conf = Files.writeString(scratch.resolve("udhcpd.conf"), """
                start 192.0.2.150
                end 192.0.2.160
                interface vde0
                lease_file %s
                option subnet 255.255.255.0
                """.formatted(scratch.resolve("leases")));
        Files.writeString(scratch.resolve("leases"), "");
        Path script = leaseScript();
        Run view = session("""
                vumount -t vunetvdestack vde://%1$s /dev/net/a
                vumount -t vunetvdestack vde://%1$s /dev/net/b
                vustack /dev/net/a sh -c 'ip link set vde0 up && ip addr add 192.0.2.101/24 dev vde0'
                vustack /dev/net/a busybox udhcpd -f %2$s 2>/dev/null & server=$!
                sleep 0.5
                vustack /dev/net/b sh -c 'ip link set vde0 up && busybox udhcpc -i vde0 -q -n -t 10 -T 1 -s %3$s 2>/dev/null'
                vustack /dev/net/b ip -4 -br addr show vde0 | awk '{print $3}'
                kill $server
                """.formatted(vde, conf, script));
        // (udhcpd picks an address of its range from the client's MAC address.)
        Run anyAddress = new Run(view.stdout().replaceAll("192\\.0\\.2\\.1(5[0-9]|60)/", "192.0.2.LEASED/"), view.stderr(),
                view.status());
        assertEquals(new Run("leased 192.0.2.LEASED/24\n192.0.2.LEASED/24\n", "", 0), anyAddress);
    }

    private static Path leaseScript() throws IOException {
        Path script = Files.writeString(scratch.resolve("lease.sh"), """
                #!/bin/sh
                [ "$1" = bound ] && echo "leased $ip/$mask" && ip addr add "$ip/$mask" dev "$interface"
                exit 0
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    @Test
    void slirpLeasesItsOwnAddress() throws IOException {
        assumeTrue(Run.of(scratch, "", List.of("sh", "-c", "command -v busybox")).status() == 0, "busybox is not installed");
        Path script = leaseScript();
        Run view = session("""
                vumount -t vunetvdestack slirp:// /dev/net/s
                vustack /dev/net/s sh -c 'ip link set vde0 up && busybox udhcpc -i vde0 -q -n -t 10 -T 1 -s %s 2>/dev/null'
                """.formatted(script));
        assertEquals(new Run("leased 10.0.2.15/24\n", "", 0), view);
    }

    @Test
    void aStackIsTheSessionsOwn() {
        // One session holds a stack while another looks for it.
        Run both = Run.of(scratch, "", List.of("bash", "-c", """
                rm -f ready done
                %1$s bash -c 'vumount -t vunetvdestack vde://%2$s /dev/net/x && touch ready
                    while [ ! -e done ]; do sleep 0.1; done; vustack /dev/net/x true && echo the first session still has it' &
                while [ ! -e ready ]; do sleep 0.1; done
                %1$s bash -c 'ls /dev/net/x 2>&1 | sed "s/^ls: //"; vustack /dev/net/x true 2>&1 || true'
                ls /dev/net/x 2>&1 | sed "s/^ls: //"
                touch done
                wait
                """.formatted(Run.UMVU, vde)));
        assertEquals(new Run("""
                cannot access '/dev/net/x': No such file or directory
                vustack: no stack at /dev/net/x: No such file or directory
                cannot access '/dev/net/x': No such file or directory
                the first session still has it
                """, "", 0), both);
    }

    /**
     * Without root: the stack's namespace needs unprivileged user namespaces and a
     * /dev/net/tun the user may open; where the machine allows both the stack works, else the
     * mount fails with one clear error.
     */
    @Test
    void withoutRootTheStackWorksOrFailsWithOneClearError() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "the test drops from root to nobody");
        Run view = Run.of(scratch, "", List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                Run.UMVU.toString(), "bash", "-c", "vumount -t vunetvdestack null:// /dev/net/x && vustack /dev/net/x ip -br link | cut -d' ' -f1"));
        boolean tunForAll = PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of("/dev/net/tun"))).endsWith("rw-");
        if (tunForAll && view.status() == 0) {
            assertEquals("lo\nvde0\n", view.stdout());
        } else {
            // No tun for the user (EACCES), or no unprivileged user namespaces (EPERM; ENOSPC where their number is 0).
            assertTrue(view.stdout().isEmpty() && view.status() == 1 && view.stderr().matches(
                    "vumount: mounting on /dev/net/x: (Permission denied|Operation not permitted|No space left on device)\n"),
                    view.toString());
            assertFalse(tunForAll && view.stderr().contains("Permission denied"), "/dev/net/tun is usable by nobody: " + view);
        }
    }

    @Test
    void badInputAClosedStackAndAKilledHelper() {
        Run view = session("""
                vumount -t vunetvdestack vde://%1$s/missing /dev/net/bad || echo mount: $?
                vumount -t vunetvdestack -o colour=red vde://%1$s /dev/net/bad || echo options: $?
                vustack /tmp true || echo vustack: $?
                vumount -t vunetnull none /dev/net/null
                vustack /dev/net/null python3 -c 'import socket; socket.socket()' 2>&1 | tail -1
                vumount -t vunetvdestack vde://%1$s /dev/net/x
                vustack /dev/net/x sh -c 'ip link set vde0 up && ip addr add 192.0.2.101/24 dev vde0'
                rm -f listening
                vustack /dev/net/x python3 -c '
                import socket
                s = socket.socket(); s.bind(("192.0.2.101", 7200)); s.listen(1); s.settimeout(30)
                open("listening", "w").close()
                try:
                    s.accept()
                except OSError as e:
                    print("accept after the forced unmount:", e.strerror)' &
                while [ ! -e listening ]; do sleep 0.1; done
                vuumount /dev/net/x || echo busy: $?
                vuumount -f /dev/net/x
                wait
                vumount -t vunetvdestack vde://%1$s /dev/net/y
                umvu=$PPID vustack /dev/net/y python3 -c '
                import glob, os, socket, time
                u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                for exe in glob.glob("/proc/[0-9]*/exe"):  # the helper of this session: a child of its umvu
                    try:
                        pid = exe.split("/")[2]
                        ppid = [l.split()[1] for l in open("/proc/%%s/status" %% pid) if l.startswith("PPid:")][0]
                        if "vdestack-helper" in os.readlink(exe) and ppid == os.environ["umvu"]:
                            os.kill(int(pid), 9)
                    except OSError:
                        pass
                time.sleep(0.5)
                for what, call in (("send", lambda: u.sendto(b"x", ("192.0.2.102", 9))), ("socket", socket.socket)):
                    try:
                        call()
                    except OSError as e:
                        print(what, "after the helper was killed:", e.strerror)'
                vuumount /dev/net/y && echo unmounted
                """.formatted(vde));
        assertEquals(new Run("""
                mount: 1
                options: 1
                vustack: 1
                OSError: [Errno 97] Address family not supported by protocol
                busy: 1
                accept after the forced unmount: Invalid argument
                send after the helper was killed: Network is unreachable
                socket after the helper was killed: Network is down
                unmounted
                """, """
                vumount: mounting on /dev/net/bad: No such file or directory
                vumount: mounting on /dev/net/bad: Invalid argument
                vustack: /tmp is not a network stack
                vuumount: unmounting /dev/net/x: Device or resource busy
                """, 0), view);
    }
}
