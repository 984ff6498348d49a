package jvuos.cli;

import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * umvu's logging: quiet by default (warnings only, on stderr), debug output for the loggers of
 * the {@code -d} tags, optionally into the {@code -o} file.
 *
 * <p>Registered as logback's Configurator so that logback skips its search for XML files at
 * start-up, which would cost start-up time on every run.
 */
public final class QuietLogging extends ContextAwareBase implements Configurator {
    private static final String PATTERN = "umvu: %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        attach(context, console());
        context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.WARN);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** Turns on debug output for {@code tags}; sends all output to {@code logFile} when it is not null. */
    static void apply(List<DebugTag> tags, String logFile) {
        LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        for (DebugTag tag : tags) {
            context.getLogger(tag.logger).setLevel(Level.DEBUG);
        }
        if (logFile != null) {
            FileAppender<ILoggingEvent> file = new FileAppender<>();
            file.setFile(logFile);
            file.setAppend(true);
            file.setImmediateFlush(true);
            attach(context, file);
        }
    }

    private static ConsoleAppender<ILoggingEvent> console() {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setTarget("System.err");
        return console;
    }

    /** Makes {@code appender} the only appender of the root logger. */
    private static void attach(LoggerContext context, OutputStreamAppender<ILoggingEvent> appender) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
    }
}
