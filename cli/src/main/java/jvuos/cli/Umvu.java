package jvuos.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.Callable;

import jvuos.debug.SyscallTrace;
import jvuos.dispatch.Dispatcher;
import jvuos.errno.Errno;
import jvuos.ptrace.Native;
import jvuos.ptrace.PtraceException;
import jvuos.seccomp.SeccompFilter;
import jvuos.syscall.SyscallTable;
import jvuos.tracer.CallerProcess;
import jvuos.tracer.Guest;
import jvuos.tracer.SeccompProbe;
import jvuos.tracer.SyscallHandler;
import jvuos.tracer.Tracer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code umvu [-h] [--version] [-S] [-o LOGFILE] [-d TAGS] CMD [ARGS...]}. */
@Command(name = "umvu", mixinStandardHelpOptions = true, version = "umvu (jvuos) 0.1.0",
        description = "Runs CMD and all its descendants under the jvuos hypervisor.",
        footer = {"", "Debug tags: syscall, dispatch, tracer, vufs, vudev, vunet, all.",
                "Inside, vumount, vuumount, vu_insmod, vu_rmmod and vu_lsmod are on the PATH.",
                "Exit status: CMD's (128+N when killed by signal N); 127 command not found;",
                "126 not executable; 1 when umvu itself fails."})
public final class Umvu implements Callable<Integer> {
    /** Set by bin/umvu: the built launcher and the fds the caller passed. */
    static final String LAUNCHER_PROPERTY = "jvuos.launcher";
    static final String INHERITED_FDS_PROPERTY = "jvuos.inheritedFds";
    /** Set by bin/umvu: the directory of the vu commands, appended to the guest's PATH. */
    static final String COMMANDS_PROPERTY = "jvuos.commands";

    @Option(names = "-S", description = "Legacy mode: trace with PTRACE_SYSCALL, no seccomp filter.")
    boolean legacy;

    @Option(names = "-o", paramLabel = "LOGFILE", description = "Write debug and log output to LOGFILE.")
    String logFile;

    @Option(names = "-d", paramLabel = "TAGS", split = ",", description = "Turn on debug output for TAGS.")
    List<String> debugTags = new ArrayList<>();

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "The command to run, and its arguments.")
    List<String> command;

    private final int argumentCount;
    private final Thread warmUp;

    Umvu(int argumentCount, Thread warmUp) {
        this.argumentCount = argumentCount;
        this.warmUp = warmUp;
    }

    public static void main(String[] args) {
        // Start-up is mostly class loading: load the native bridge and logging on the other core
        // while picocli parses the command line on this one.
        Thread warmUp = new Thread(Umvu::warmUp, "umvu-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
        CommandLine cli = new CommandLine(new Umvu(args.length, warmUp)).setStopAtPositional(true);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            System.err.println("umvu: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return 1;
        });
        cli.setParameterExceptionHandler((e, argv) -> {
            System.err.println("umvu: " + e.getMessage());
            System.err.println("Try 'umvu --help' for more information.");
            return 1;
        });
        System.exit(cli.execute(args));
    }

    private static void warmUp() {
        Native.libc();
        org.slf4j.LoggerFactory.getILoggerFactory();
    }

    @Override
    public Integer call() throws Exception {
        warmUp.join(); // logging must be fully initialized before it is configured
        List<DebugTag> tags = debugTags.stream().map(DebugTag::parse).toList();
        QuietLogging.apply(tags, logFile);
        boolean traceSyscalls = tags.contains(DebugTag.SYSCALL) || tags.contains(DebugTag.ALL);

        Guest guest = guest();
        if (!legacy && !SeccompProbe.available(guest.launcher())) {
            org.slf4j.LoggerFactory.getLogger("jvuos").warn("warning: seccomp filters unavailable, using legacy ptrace mode");
            legacy = true;
        }
        // The table is read now only for the trace; the dispatcher reads it at the first mount.
        SyscallTable table = traceSyscalls ? SyscallTable.x86_64() : null;
        Dispatcher dispatcher = new Dispatcher(traceSyscalls ? () -> table : SyscallTable::x86_64, userModules());
        SyscallHandler handler = traceSyscalls ? new SyscallTrace(table, dispatcher) : dispatcher;
        BitSet traced = Dispatcher.initialSyscalls();
        if (traceSyscalls) {
            traced.or(SyscallTrace.tracedSyscalls(table));
        }
        byte[] filter = SeccompFilter.build(traced, traceSyscalls ? SeccompFilter.RET_TRACE : SeccompFilter.RET_ALLOW);

        Tracer tracer = new Tracer(handler, legacy);
        try {
            return tracer.run(guest, filter);
        } catch (PtraceException e) {
            if (e.errno() == Errno.EPERM) {
                throw new IllegalStateException("ptrace not permitted (" + e.getMessage()
                        + "); in a container, umvu needs CAP_SYS_PTRACE");
            }
            throw e;
        }
    }

    private Guest guest() {
        String launcher = System.getProperty(LAUNCHER_PROPERTY);
        if (launcher == null || !Files.isExecutable(Path.of(launcher))) {
            throw new IllegalStateException("launcher not found (" + launcher + "); run umvu through bin/umvu after 'mvn package'");
        }
        // argv holds the command's raw bytes; the JVM's own decoding could have lost some.
        List<byte[]> rawCommand = CallerProcess.lastArguments(argumentCount).subList(argumentCount - command.size(), argumentCount);
        List<byte[]> environment = GuestEnvironment.withPathEntry(CallerProcess.environment(),
                System.getProperty(COMMANDS_PROPERTY));
        return new Guest(Path.of(launcher), rawCommand, environment, inheritedFds(),
                CallerProcess.ignoredSignals(), CallerProcess.blockedSignals());
    }

    /** ~/.vu/modules, with ~ from $HOME as a shell has it (the JVM's user.home comes from passwd). */
    private static Path userModules() {
        String home = System.getenv("HOME");
        return Path.of(home != null && !home.isEmpty() ? home : System.getProperty("user.home"), ".vu", "modules");
    }

    private static List<Integer> inheritedFds() {
        String list = System.getProperty(INHERITED_FDS_PROPERTY, "0,1,2");
        List<Integer> fds = new ArrayList<>();
        for (String fd : list.split(",")) {
            if (!fd.isBlank()) {
                fds.add(Integer.parseInt(fd.trim()));
            }
        }
        return fds;
    }
}
