package jvuos.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vudev: devices that live in the hypervisor, used by real tools (sfdisk, fdisk, sgdisk,
 * gdisk, mkfs.vfat, mkfs.ext4, e2fsck, debugfs, mtools, blkid, dd) as an unprivileged user,
 * since doing this without root is the point. The host kernel is the oracle for what they
 * made: as root, a test attaches the image a session wrote to a loop device, and the kernel's
 * partitions and file systems must hold what the session put there (without root, that half
 * is skipped).
 */
class VudevIT {
    /** The unprivileged user the sessions run as when the tests run as root. */
    private static final String NOBODY = "65534";

    @TempDir
    static Path scratch;
    static Path work;
    static Path partitionsScript;

    @BeforeAll
    static void prepare() throws IOException {
        // nobody must reach and write the working directory.
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
        work = Files.createDirectory(scratch.resolve("work"));
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
        partitionsScript = Run.resourceIn(work, "vudev-partitions.py");
        Run.resourceIn(work, "vudev-pi.sh");
        Run.resourceIn(work, "vudev-random.py");
        Files.createDirectories(work.resolve("rootfs/etc"));
        Files.writeString(work.resolve("rootfs/etc/hostname"), "raspberrypi\n");
        Files.writeString(work.resolve("config.txt"), "arm_64bit=1\n");
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** {@code umvu sh -c script} in the working directory, as nobody when the tests run as root. */
    private static Run session(String script) {
        List<String> command = new ArrayList<>();
        if (root()) {
            command.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        }
        command.addAll(List.of(Run.UMVU.toString(), "sh", "-c", script));
        Run run = Run.of(work, "", command);
        assumeTrue(!run.stderr().contains("umvu: launcher not found") && run.status() != 126,
                "umvu in " + Run.ROOT + " cannot run as uid " + NOBODY + ": " + run);
        return run;
    }

    private static Run natively(String... command) {
        return Run.of(work, "", List.of(command));
    }

    @Test
    void theRaspberryPiCardWithoutRoot() throws IOException {
        Path image = work.resolve("pi.img");
        Run view = session("sh vudev-pi.sh pi.img");
        List<String> lines = view.stdout().lines().toList();
        assertTrue(lines.size() > 3, view.toString());
        // The disk and its partitions: block devices of the same major, partition N at the disk's minor + N.
        String[] disk = lines.get(0).split(" ");
        for (int n = 0; n <= 2; n++) {
            String[] device = lines.get(n).split(" ");
            assertEquals(List.of("brw-------", disk[1], Integer.toHexString(Integer.parseInt(disk[2], 16) + n),
                    "/dev/hda" + (n == 0 ? "" : n)), List.of(device), view.stdout());
        }
        assertEquals(new Run("""
                /dev/hda1 * 2048 133119 131072 64M c W95 FAT32 (LBA)
                /dev/hda2 133120 524287 391168 191M 83 Linux
                ::/config.txt
                BOOT
                vfat
                rootfs
                ext4
                e2fsck clean
                raspberrypi
                cannot access '/dev/hda': No such file or directory
                cannot access '/dev/ramdisk': No such file or directory
                """, "", 0), new Run(String.join("\n", lines.subList(3, lines.size())) + "\n", view.stderr(), view.status()));
        assertEquals(256L << 20, Files.size(image));
        assertFalse(Files.exists(Path.of("/dev/hda")) || Files.exists(Path.of("/dev/ramdisk")),
                "the host sees no device of the session");

        assumeTrue(root(), "the kernel half (a loop device, mounts) needs root");
        try (Loop loop = Loop.attach(image)) {
            assertEquals(List.of("1 2048 131072", "2 133120 391168"), loop.extents(), loop.how);
            Path boot = loop.partition(1);
            Path rootPartition = loop.partition(2);
            Run fat = natively("fsck.vfat", "-n", boot.toString());
            Run ext4 = natively("e2fsck", "-fn", rootPartition.toString());
            assertAll(
                    () -> assertEquals(0, fat.status(), fat.toString()),
                    () -> assertEquals(0, ext4.status(), ext4.toString()),
                    () -> assertEquals("arm_64bit=1\n", loop.fileOnFat(1, "config.txt")),
                    () -> assertEquals("raspberrypi\n", loop.fileOnExt4(2, "etc/hostname")));
        }
    }

    /**
     * Partitions made by sgdisk (a GPT) and by sfdisk (an extended partition holding three
     * logicals) on a ramdisk: vudevpartx shows them where the kernel's loop device does.
     */
    @Test
    void gptAndLogicalPartitionsWhereTheKernelHasThem() throws IOException {
        String gpt = """
                sgdisk -n 1:2048:+8M -n 2:0:+16M -n 5:0:0 /dev/ramdisk >/dev/null
                gdisk -l /dev/ramdisk | grep -c '^ *[0-9]'
                """;
        String logicals = """
                printf 'label: dos\\n,8M,83\\n,,5\\n,4M,83\\n,12M,82\\n,,83\\n' | sfdisk -q /dev/ramdisk
                sfdisk -d /dev/ramdisk | grep -c '^/dev/ramdisk'
                """;
        java.util.Map<String, List<String>> shownByTable = new java.util.LinkedHashMap<>();
        for (String[] table : new String[][] {{"gpt", gpt, "1 2 5"}, {"dos", logicals, "1 2 5 6 7"}}) {
            String name = table[0];
            Run view = session("set -e; vumount -t vudevramdisk -o size=48M none /dev/ramdisk\n" + table[1]
                    + "vumount -t vudevpartx /dev/ramdisk /dev/hda\n"
                    + "python3 " + partitionsScript + " /dev/hda1 /dev/hda2 /dev/hda3 /dev/hda4 /dev/hda5 /dev/hda6 /dev/hda7\n"
                    + "dd if=/dev/ramdisk of=" + name + ".img bs=1M status=none\n");
            assertEquals(0, view.status(), view.toString());
            List<String> shown = new ArrayList<>();
            for (String line : view.stdout().lines().toList()) {
                if (line.startsWith("hda") && !line.contains("missing")) {
                    shown.add(line.substring(3));
                }
            }
            assertEquals(table[2], String.join(" ", shown.stream().map(l -> l.split(" ")[0]).toList()), view.stdout());
            shownByTable.put(name, shown);
        }
        assumeTrue(root(), "the kernel's loop device needs root");
        for (var e : shownByTable.entrySet()) {
            try (Loop loop = Loop.attach(work.resolve(e.getKey() + ".img"))) {
                assertEquals(loop.extents(), e.getValue(), e.getKey() + ": " + loop.how);
            }
        }
    }

    @Test
    void randomWritesMappingsAndTheEndOfADevice() {
        Run view = session("""
                vumount -t vudevramdisk -o size=16M none /dev/ramdisk || exit 1
                python3 vudev-random.py /dev/ramdisk
                dd if=/dev/urandom of=/dev/ramdisk bs=1k count=1 seek=4 status=none
                before=$(dd if=/dev/ramdisk bs=1k count=1 skip=4 status=none | md5sum)
                vumount -t vudevpartx -r /dev/ramdisk /dev/loop7
                after=$(dd if=/dev/loop7 bs=1k count=1 skip=4 status=none | md5sum)
                [ "$before" = "$after" ] && echo the disk of vudevpartx is the ramdisk
                vuumount /dev/ramdisk 2>/dev/null || echo the ramdisk is busy under it
                dd if=/dev/zero of=/dev/loop7 bs=1k count=1 status=none
                vuumount /dev/loop7
                vuumount /dev/ramdisk
                vumount -t vudevramdisk -o size=16M none /dev/ramdisk
                dd if=/dev/ramdisk bs=1k count=1 skip=4 status=none | tr -d '\\0' | wc -c
                """);
        assertEquals(new Run("""
                10000 random writes read back as the model
                a shared mapping's write reached the device
                write at the end: ENOSPC
                write across the end: 2
                read at the end: 0
                lseek to the end: True
                lseek past the end: EINVAL
                the disk of vudevpartx is the ramdisk
                the ramdisk is busy under it
                0
                """, "dd: failed to open '/dev/loop7': Read-only file system\n", 0), view);
    }

    @Test
    void aNullDeviceAndATerabyteRamdisk() {
        Run view = session("""
                vumount -t vudevnull none /dev/xnull || exit 1
                echo lost > /dev/xnull && wc -c < /dev/xnull && ls -l /dev/xnull | cut -c1-10
                vumount -t vudevramdisk -o size=1T none /dev/big || exit 1
                blockdev --getsize64 --getss --getbsz /dev/big
                echo end | dd of=/dev/big bs=1 seek=1099511627772 status=none
                dd if=/dev/big bs=1 skip=1099511627772 status=none
                python3 -c 'import fcntl, os; fcntl.ioctl(os.open("/dev/big", os.O_RDONLY), 0x5401, bytes(64))' 2>&1 | tail -1
                vumount -t vudevramdisk -o major=8,minor=16,mode=0640 none /dev/sdb || exit 1
                stat -c '%t:%T %a %s' /dev/sdb && blockdev --getsize64 /dev/sdb
                """);
        assertEquals(new Run("0\ncrw-rw-rw-\n1099511627776\n512\n4096\nend\n8:10 640 0\n33554432\n",
                "", 0), new Run(view.stdout().replace("OSError: [Errno 25] Inappropriate ioctl for device\n", ""),
                view.stderr(), view.status()));
        assertTrue(view.stdout().contains("[Errno 25] Inappropriate ioctl for device"), "an unknown ioctl: ENOTTY\n" + view);
    }

    @Test
    void badInputGetsItsErrnoAndTheHypervisorGoesOn() throws IOException {
        Files.write(work.resolve("garbage.img"), new byte[1 << 20]);
        Files.setPosixFilePermissions(work.resolve("garbage.img"), PosixFilePermissions.fromString("rw-rw-rw-"));
        Run view = session("""
                vumount -t vudevfoo none /dev/x; echo $?
                vumount -t vudevramdisk -o size=12x none /dev/x; echo $?
                vumount -t vudevramdisk -o colour=red none /dev/x; echo $?
                vumount -t vudevpartx /nonexistent /dev/x; echo $?
                vumount -t vudevpartx /tmp /dev/x; echo $?
                vumount -t vudevpartx garbage.img /dev/hdz && ls /dev/hdz && ls /dev/hdz1 2>&1 | sed 's/^ls: //'
                """);
        assertEquals(new Run("""
                1
                1
                1
                1
                1
                /dev/hdz
                cannot access '/dev/hdz1': No such file or directory
                """, """
                vumount: mounting on /dev/x: No such device
                vumount: mounting on /dev/x: Invalid argument
                vumount: mounting on /dev/x: Invalid argument
                vumount: mounting on /dev/x: No such file or directory
                vumount: mounting on /dev/x: Block device required
                """, 0), view);
    }

    /** An image attached to a loop device, and the partitions the kernel holds for it. */
    private static final class Loop implements AutoCloseable {
        final String device;
        final String how;
        private final Path mountPoint;

        private Loop(String device, String how) throws IOException {
            this.device = device;
            this.how = how;
            this.mountPoint = Files.createTempDirectory(scratch, "mnt");
        }

        /**
         * losetup -P; where the kernel reads no partition tables (this VM's kernel is built
         * without CONFIG_MSDOS_PARTITION and CONFIG_EFI_PARTITION), util-linux's partx -a reads
         * it and has the kernel hold the partitions it names.
         */
        static Loop attach(Path image) throws IOException {
            Run attach = Run.of(scratch, "", List.of("losetup", "-f", "--show", "-P", image.toString()));
            assumeTrue(attach.status() == 0, "no loop device: " + attach);
            String device = attach.stdout().strip();
            String name = Path.of(device).getFileName().toString();
            for (int i = 0; i < 30 && partitionNames(name).isEmpty(); i++) {
                sleep();
            }
            if (!partitionNames(name).isEmpty()) {
                return new Loop(device, "partitions read by the kernel");
            }
            Run partx = Run.of(scratch, "", List.of("partx", "-a", device));
            return new Loop(device, "partitions read by partx -a (the kernel here reads no partition tables): " + partx);
        }

        private static List<String> partitionNames(String name) {
            try (Stream<Path> all = Files.list(Path.of("/sys/class/block"))) {
                return all.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(name + "p")).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static void sleep() {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** "NUMBER START SECTORS" of each partition, by number. */
        List<String> extents() throws IOException {
            String name = Path.of(device).getFileName().toString();
            TreeMap<Integer, String> byNumber = new TreeMap<>();
            for (String p : partitionNames(name)) {
                Path sys = Path.of("/sys/class/block", p);
                int number = Integer.parseInt(Files.readString(sys.resolve("partition")).strip());
                byNumber.put(number, number + " " + Files.readString(sys.resolve("start")).strip() + " "
                        + Files.readString(sys.resolve("size")).strip());
            }
            return List.copyOf(byNumber.values());
        }

        Path partition(int n) {
            return Path.of(device + "p" + n);
        }

        String fileOnExt4(int n, String file) throws IOException {
            Run mount = Run.of(scratch, "", List.of("mount", "-o", "ro", partition(n).toString(), mountPoint.toString()));
            assertEquals(0, mount.status(), mount.toString());
            try {
                return Files.readString(mountPoint.resolve(file));
            } finally {
                Run.of(scratch, "", List.of("umount", mountPoint.toString()));
            }
        }

        /** A file of a FAT: through a kernel mount where the kernel has vfat, else mtools on the kernel's partition. */
        String fileOnFat(int n, String file) throws IOException {
            if (Files.readString(Path.of("/proc/filesystems")).contains("vfat")) {
                Run mount = Run.of(scratch, "", List.of("mount", "-t", "vfat", "-o", "ro", partition(n).toString(),
                        mountPoint.toString()));
                assertEquals(0, mount.status(), mount.toString());
                try {
                    return Files.readString(mountPoint.resolve(file));
                } finally {
                    Run.of(scratch, "", List.of("umount", mountPoint.toString()));
                }
            }
            Run mtype = Run.of(scratch, "", List.of("mtype", "-i", partition(n).toString(), "::" + file));
            assertEquals(0, mtype.status(), mtype.toString());
            return mtype.stdout();
        }

        @Override
        public void close() {
            Run.of(scratch, "", List.of("partx", "-d", device));
            Run.of(scratch, "", List.of("losetup", "-d", device));
        }
    }
}
