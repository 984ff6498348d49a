package jvuos.vufs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jvuos.errno.Errno;
import jvuos.module.DirEntry;
import jvuos.module.FileStat;
import jvuos.module.VuException;

/**
 * The directory {@code A/.-} of a union's upper layer, in VUOS's format: a whiteout is an
 * empty regular file {@code .-/PATH} (it hides PATH of the lower layer, and, being a file,
 * everything below it), and {@code .-/PATH\x7f} holds PATH's {@link VirtualAttributes}. Both
 * are read once at the mount and kept in memory, so a lookup costs no host call; each change
 * is written through at once, so the layer is VUOS's again after the mount.
 *
 * <p>An "opaque" directory (one made where a lower directory was removed) is a directory
 * {@code .-/PATH/} holding a whiteout for each of the lower directory's entries: VUOS reads
 * it right, where VUOS itself would show the old entries again.
 */
final class ShadowDirectory {
    static final String NAME = ".-";
    static final char METADATA_SUFFIX = '\u007f';
    /** A file being copied up is built here and renamed into place: no half-copied file is ever visible. */
    private static final String COPY_UP_TEMPORARY = "." + METADATA_SUFFIX + "copy-up";
    private static final int METADATA_MAX = 1024;
    private static final Logger log = LoggerFactory.getLogger("jvuos.vufs");

    private final LayerCalls host;
    private final String root;
    private final Set<String> whiteouts = new HashSet<>();
    private final Map<String, VirtualAttributes> attributes = new HashMap<>();

    /** Reads {@code upper/.-}; {@code create} makes it where it is missing (cow, mincow). */
    ShadowDirectory(LayerCalls host, String upper, boolean create) throws VuException {
        this.host = host;
        this.root = upper + "/" + NAME;
        FileStat s = host.lstatIfAny(root);
        if (s == null && create) {
            host.mkdir(root, 0700);
        } else if (s != null) {
            // Whatever is written here must stay in A: no symlink may lead elsewhere.
            if (!s.isDirectory()) {
                throw new VuException(Errno.ENOTDIR, root + " is no directory");
            }
            load("");
        }
    }

    /** The temporary name a copy-up writes to, in the upper layer's file system. */
    String copyUpTemporary() throws VuException {
        String path = root + "/" + COPY_UP_TEMPORARY;
        if (host.lstatIfAny(path) != null) {
            host.unlink(path, false); // left by a copy-up that was cut short
        }
        return path;
    }

    private String hostPath(String rel) {
        return rel.isEmpty() ? root : root + "/" + rel;
    }

    private void load(String dir) throws VuException {
        for (DirEntry e : host.list(hostPath(dir))) {
            String rel = RelativePaths.child(dir, e.name());
            if (dir.isEmpty() && e.name().equals(COPY_UP_TEMPORARY)) {
                continue;
            }
            int type = typeOf(hostPath(rel), e);
            if (type == FileStat.S_IFDIR) {
                load(rel);
            } else if (type == FileStat.S_IFREG && rel.endsWith(String.valueOf(METADATA_SUFFIX))) {
                String of = rel.substring(0, rel.length() - 1);
                VirtualAttributes a = readAttributes(hostPath(rel));
                if (a != null) {
                    attributes.put(of, a);
                }
            } else if (type == FileStat.S_IFREG) {
                whiteouts.add(rel);
            }
        }
    }

    /** An entry's type: its d_type, or, where the file system gives none (DT_UNKNOWN), lstat's. */
    private int typeOf(String path, DirEntry e) throws VuException {
        if (e.type() != 0) {
            return e.type();
        }
        FileStat s = host.lstatIfAny(path);
        return s == null ? 0 : s.type();
    }

    private VirtualAttributes readAttributes(String path) {
        try {
            int fd = host.open(path, LayerCalls.O_RDONLY | LayerCalls.O_NOFOLLOW, 0);
            try {
                ByteBuffer text = ByteBuffer.allocate(METADATA_MAX + 1);
                host.read(fd, text, 0);
                if (!text.hasRemaining()) {
                    throw new IllegalArgumentException("longer than " + METADATA_MAX + " bytes");
                }
                return VirtualAttributes.parse(new String(text.array(), 0, text.position(), StandardCharsets.ISO_8859_1));
            } finally {
                host.close(fd);
            }
        } catch (VuException | IllegalArgumentException e) {
            log.debug("vufs: ignoring the metadata file {}: {}", path, e.getMessage());
            return null;
        }
    }

    /** True when {@code rel} or a directory above it is whited out. */
    boolean whitedOut(String rel) {
        if (whiteouts.isEmpty()) {
            return false;
        }
        for (int slash = rel.length(); slash > 0; slash = rel.lastIndexOf('/', slash - 1)) {
            if (whiteouts.contains(rel.substring(0, slash))) {
                return true;
            }
        }
        return false;
    }

    /** The whited-out paths, shortest first. */
    List<String> whiteoutsList() {
        List<String> all = new ArrayList<>(whiteouts);
        all.sort(java.util.Comparator.comparingInt(String::length));
        return all;
    }

    /** True when {@code rel} itself is whited out (its directory is not). */
    boolean isWhiteout(String rel) {
        return whiteouts.contains(rel);
    }

    /** Hides {@code rel} of the lower layer; whatever {@code .-} held for it and below it goes. */
    void whiteout(String rel) throws VuException {
        if (whitedOut(RelativePaths.parent(rel))) {
            return; // hidden with its directory already
        }
        forget(rel);
        makeParents(rel);
        host.close(host.open(hostPath(rel), LayerCalls.O_WRONLY | LayerCalls.O_CREAT | LayerCalls.O_EXCL | LayerCalls.O_NOFOLLOW, 0644));
        whiteouts.add(rel);
        log.debug("vufs: whiteout {}", rel);
    }

    /** Unhides {@code rel} (an entry of that name was made in the view). */
    void dewhiteout(String rel) throws VuException {
        if (whiteouts.remove(rel)) {
            host.unlink(hostPath(rel), false);
        }
    }

    /** Makes the directory {@code dir} opaque: each of {@code lowerNames}, the lower directory's entries, is whited out. */
    void hideAll(String dir, List<String> lowerNames) throws VuException {
        for (String name : lowerNames) {
            whiteout(RelativePaths.child(dir, name));
        }
    }

    /** Drops what {@code .-} holds for {@code rel} and for everything below it (it is gone from the view). */
    void forget(String rel) throws VuException {
        if (attributes.remove(rel) != null) {
            host.unlink(hostPath(rel) + METADATA_SUFFIX, false);
        }
        if (whiteouts.remove(rel)) {
            host.unlink(hostPath(rel), false);
        }
        String prefix = rel + "/";
        whiteouts.removeIf(w -> w.startsWith(prefix));
        attributes.keySet().removeIf(a -> a.startsWith(prefix));
        if (host.isPlainDirectory(hostPath(rel))) {
            removeTree(hostPath(rel));
        }
    }

    private void removeTree(String path) throws VuException {
        for (DirEntry e : host.list(path)) {
            String p = path + "/" + e.name();
            if (typeOf(p, e) == FileStat.S_IFDIR) {
                removeTree(p);
            } else {
                host.unlink(p, false);
            }
        }
        host.unlink(path, true);
    }

    private void makeParents(String rel) throws VuException {
        int slash = rel.lastIndexOf('/');
        if (slash < 0) {
            return;
        }
        String parent = rel.substring(0, slash);
        if (host.isPlainDirectory(hostPath(parent))) {
            return; // (reached without a symlink: what is written below it stays in A)
        }
        if (host.lstatIfAny(hostPath(parent)) != null) {
            // A whiteout (what lies below a whited-out name is never asked about, nor made), or
            // a symlink that a hand-made A put there.
            throw new VuException(Errno.EIO, "no directory of the shadow at " + parent);
        }
        makeParents(parent);
        host.mkdir(hostPath(parent), 0700);
    }

    /**
     * True when nothing here concerns the directory {@code dir} or its entries: it has no
     * virtual attributes, and there is no {@code .-/dir}, where its entries' whiteouts and
     * attributes would be.
     */
    boolean holdsNothingFor(String dir) throws VuException {
        return !attributes.containsKey(dir) && host.lstatIfAny(hostPath(dir)) == null;
    }

    VirtualAttributes attributes(String rel) {
        return attributes.getOrDefault(rel, VirtualAttributes.NONE);
    }

    /** Records {@code rel}'s virtual attributes (none: the metadata file goes). */
    void setAttributes(String rel, VirtualAttributes a) throws VuException {
        String path = hostPath(rel) + METADATA_SUFFIX;
        if (a.isEmpty()) {
            if (attributes.remove(rel) != null) {
                host.unlink(path, false);
            }
            return;
        }
        makeParents(rel + METADATA_SUFFIX);
        int fd = host.open(path, LayerCalls.O_WRONLY | LayerCalls.O_CREAT | LayerCalls.O_NOFOLLOW, 0600);
        try {
            host.ftruncate(fd, 0);
            ByteBuffer text = ByteBuffer.wrap(a.format().getBytes(StandardCharsets.ISO_8859_1));
            while (text.hasRemaining()) {
                host.write(fd, text, text.position());
            }
        } finally {
            host.close(fd);
        }
        attributes.put(rel, a);
    }

    /**
     * What {@code .-} holds for {@code from} and below now belongs to {@code to} (a rename in
     * the view); what {@code to} held below it stays (the lower entries of a directory replaced
     * by the rename stay hidden), what it held for itself goes.
     */
    void move(String from, String to) throws VuException {
        VirtualAttributes a = attributes(from);
        setAttributes(from, VirtualAttributes.NONE);
        setAttributes(to, a);
        dewhiteout(to);
        String prefix = from + "/";
        for (String w : new ArrayList<>(whiteouts)) {
            if (w.startsWith(prefix)) {
                whiteouts.remove(w);
                host.unlink(hostPath(w), false);
                whiteout(to + w.substring(from.length()));
            }
        }
        for (Map.Entry<String, VirtualAttributes> e : new ArrayList<>(attributes.entrySet())) {
            if (e.getKey().startsWith(prefix)) {
                setAttributes(e.getKey(), VirtualAttributes.NONE);
                setAttributes(to + e.getKey().substring(from.length()), e.getValue());
            }
        }
        if (host.isPlainDirectory(hostPath(from))) {
            removeTree(hostPath(from));
        }
    }

    /** RENAME_EXCHANGE: {@code a}'s and {@code b}'s records trade places. */
    void exchange(String a, String b) throws VuException {
        String parking = COPY_UP_TEMPORARY + METADATA_SUFFIX;
        if (!attributes(parking).isEmpty() || whitedOut(parking)) {
            throw new VuException(Errno.EBUSY, "the shadow's exchange slot is taken");
        }
        move(a, parking);
        move(b, a);
        move(parking, b);
    }

    /** A hard link shows its source's attributes. */
    void copyAttributes(String from, String to) throws VuException {
        setAttributes(to, attributes(from));
    }
}
