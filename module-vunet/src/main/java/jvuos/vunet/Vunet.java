package jvuos.vunet;

import jvuos.errno.Errno;
import jvuos.module.MountRequest;
import jvuos.module.MountedFileSystem;
import jvuos.module.VuException;
import jvuos.module.VuModule;

/**
 * vunet: network stacks mounted at paths of the view, which processes choose as their default
 * stacks ({@code vustack STACK CMD}, the msocket VU call).
 * <ul>
 * <li>{@code vumount -t vunetvdestack [-o ifname=NAME,mac=MAC] VDE_URL /dev/net/x}: a stack of
 * the kernel's in new user and network namespaces, its interface vde0 wired to the VDE network
 * at VDE_URL ({@link VdeStack});
 * <li>{@code vumount -t vunetreal none /dev/net/host}: the host's stack;
 * <li>{@code vumount -t vunetnull none /dev/net/null}: no network.
 * </ul>
 */
public final class Vunet implements VuModule {
    static final String DEFAULT_INTERFACE = "vde0";

    @Override
    public String name() {
        return "vunet";
    }

    @Override
    public String description() {
        return "network stacks: vunetvdestack (a stack wired to a VDE network), vunetreal (the host's), vunetnull (none)";
    }

    @Override
    public MountedFileSystem mount(MountRequest request) throws VuException {
        switch (request.type()) {
            case "vunetnull" -> {
                noOptions(request.options());
                return new NullStack();
            }
            case "vunetreal" -> {
                noOptions(request.options());
                return new HostStack();
            }
            case "vunetvdestack" -> {
                String interfaceName = DEFAULT_INTERFACE;
                String mac = null;
                for (String option : request.options().split(",")) {
                    if (option.startsWith("ifname=") && option.length() > 7 && option.length() <= 7 + 15
                            && option.substring(7).matches("[A-Za-z0-9_.-]+")) {
                        interfaceName = option.substring(7);
                    } else if (option.startsWith("mac=") && option.substring(4).matches("\\p{XDigit}{2}(:\\p{XDigit}{2}){5}")) {
                        mac = option.substring(4);
                    } else if (!option.isEmpty() && !option.equals("rw")) {
                        throw new VuException(Errno.EINVAL, "vunetvdestack takes ifname=NAME and mac=MAC, not " + option);
                    }
                }
                if (request.source().isEmpty() || request.source().equals("none")) {
                    throw new VuException(Errno.EINVAL, "vunetvdestack needs a VDE URL as its source");
                }
                return VdeStack.start(request.source(), interfaceName, mac);
            }
            default -> throw new VuException(Errno.ENODEV,
                    "vunet serves vunetvdestack, vunetreal and vunetnull, not " + request.type());
        }
    }

    private static void noOptions(String options) throws VuException {
        for (String option : options.split(",")) {
            if (!option.isEmpty() && !option.equals("rw")) {
                throw new VuException(Errno.EINVAL, "no option " + option);
            }
        }
    }
}
