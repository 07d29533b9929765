package org.agenthypervisor.core.log;

import java.io.PrintStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Instant;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A named logger that forwards to the application's SLF4J when the application has a real binding
 * (not SLF4J's no-op fallback), else writes one line to standard error:
 * {@code [agent-hypervisor] WARN org.agenthypervisor.rings - message}.
 *
 * <p>The agent runs in its own class loader and module and cannot link against the application's SLF4J,
 * so the binding is looked up reflectively per class loader (the context class loader of the
 * logging thread first, then the system class loader) and called through method handles. A
 * Spring Boot application's logging becomes visible once its launcher class loader is the context
 * class loader; events before that go to standard error.
 *
 * <p>Logging is never on the allowed path of a ring check.
 *
 * <p>Lines logged while a class file transformer runs on this thread ({@link #enterTransform}) are
 * buffered, not written: forwarding them would start the application's logging framework inside
 * {@code ClassFileTransformer.transform}, whose classes would then load untransformed, and which can
 * deadlock on the class loading locks the JVM holds there. A background thread writes them once the
 * transform has let go (so does the next line logged outside a transform, and a shutdown hook), with
 * the time they were logged.
 */
public final class Log {
    /** Levels, most severe first. */
    public enum Level { ERROR, WARN, INFO, DEBUG }

    private static final Map<String, Log> LOGGERS = new ConcurrentHashMap<>();
    private static final Map<ClassLoader, Binding> BINDINGS = new WeakHashMap<>();
    private static final Binding NONE = new Binding(null, null, null, null, null, null, null);
    private static volatile Level threshold = Level.INFO;
    private static volatile PrintStream fallback = System.err;
    private static volatile boolean useSlf4j = true;
    private static volatile Binding systemBinding;
    /** Set while a class file transformer runs on this thread. */
    private static final ThreadLocal<Boolean> IN_TRANSFORM = new ThreadLocal<>();
    /** Lines logged inside a transform, in order, waiting for {@link #flushPending}. */
    private static final java.util.concurrent.ConcurrentLinkedQueue<Pending> PENDING = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Held while pending lines are written, so they keep their order. */
    private static final Object DRAIN = new Object();
    private static volatile Flusher flusher;
    /** A thread is writing lines it took from {@link #PENDING}; set and cleared under {@link #DRAIN}. */
    private static volatile boolean draining;

    /** A line logged inside a transform: written later with the thread's context class loader and time. */
    private record Pending(Log log, Level level, String message, Throwable cause, ClassLoader context, Instant time) {
    }

    private final String name;

    private Log(String name) {
        this.name = name;
    }

    /** The logger named {@code org.agenthypervisor.<concern>}. */
    public static Log get(String concern) {
        return LOGGERS.computeIfAbsent(concern.startsWith("org.agenthypervisor") ? concern : "org.agenthypervisor." + concern,
                NewLog.INSTANCE);
    }

    /**
     * {@code Log::new}. A class, not a method reference: each costs ~0.5 ms to link at start-up
     * (issue 11), and every class of the agent gets its logger while the agent starts.
     */
    private static final class NewLog implements java.util.function.Function<String, Log> {
        static final NewLog INSTANCE = new NewLog();

        @Override
        public Log apply(String name) {
            return new Log(name);
        }
    }

    /** Lowest level written to standard error (SLF4J backends apply their own configuration). */
    public static void setThreshold(Level level) {
        threshold = level;
    }

    /**
     * Called first thing by a class file transformer: lines logged on this thread until
     * {@link #exitTransform} are buffered. Returns whether this is the outermost transform on the
     * thread (a class loaded while transforming is transformed inside it), to hand to exitTransform.
     */
    public static boolean enterTransform() {
        if (IN_TRANSFORM.get() != null) {
            return false;
        }
        IN_TRANSFORM.set(Boolean.TRUE);
        return true;
    }

    /** Called last by a class file transformer (in a finally) with what {@link #enterTransform} returned. */
    public static void exitTransform(boolean outermost) {
        if (outermost) {
            IN_TRANSFORM.remove();
            Flusher f = flusher;
            if (f != null && !PENDING.isEmpty()) {
                java.util.concurrent.locks.LockSupport.unpark(f);
            }
        }
    }

    /**
     * Writes the lines buffered inside transforms; a no-op inside a transform. When it returns, every
     * line buffered before the call is written, also one another thread (the flusher) took from the
     * queue and is still writing: that is what keeps a later line after it.
     */
    public static void flushPending() {
        if ((PENDING.isEmpty() && !draining) || IN_TRANSFORM.get() != null) {
            return;
        }
        synchronized (DRAIN) {
            draining = true;
            try {
                Pending p;
                while ((p = PENDING.poll()) != null) {
                    p.log().write(p.level(), p.message(), p.cause(), p.context(), p.time());
                }
            } finally {
                draining = false;
            }
        }
    }

    /** For tests: where lines go when there is no SLF4J. */
    static void setFallback(PrintStream out) {
        fallback = out;
    }

    /** For tests and the command line: never look for SLF4J. */
    public static void disableSlf4j() {
        useSlf4j = false;
    }

    public void error(String message) {
        log(Level.ERROR, message, null);
    }

    public void error(String message, Throwable cause) {
        log(Level.ERROR, message, cause);
    }

    public void warn(String message) {
        log(Level.WARN, message, null);
    }

    public void warn(String message, Throwable cause) {
        log(Level.WARN, message, cause);
    }

    public void info(String message) {
        log(Level.INFO, message, null);
    }

    public void debug(String message) {
        log(Level.DEBUG, message, null);
    }

    public boolean isDebugEnabled() {
        return threshold.compareTo(Level.DEBUG) >= 0;
    }

    private void log(Level level, String message, Throwable cause) {
        if (IN_TRANSFORM.get() != null) {
            if (useSlf4j || level.compareTo(threshold) <= 0) {
                PENDING.add(new Pending(this, level, message, cause, Thread.currentThread().getContextClassLoader(), Instant.now()));
                startFlusher();
            }
            return;
        }
        flushPending(); // earlier lines first
        write(level, message, cause, Thread.currentThread().getContextClassLoader(), null);
    }

    private static void startFlusher() {
        if (flusher != null) {
            return;
        }
        synchronized (DRAIN) {
            if (flusher == null) {
                Flusher f = new Flusher();
                try {
                    Runtime.getRuntime().addShutdownHook(new Flusher());
                } catch (IllegalStateException shuttingDown) {
                    // the JVM is exiting: the lines are written by the next log call, if any
                }
                flusher = f; // before start: run() tells itself from the shutdown hook by it
                f.start();
            }
        }
    }

    /** Writes pending lines when a transform lets go (woken by exitTransform), and at shutdown. */
    private static final class Flusher extends Thread {
        Flusher() {
            super("agent-hypervisor-log");
            setDaemon(true);
        }

        @Override
        public void run() {
            if (flusher != this) { // the shutdown hook
                flushPending();
                return;
            }
            while (true) {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000_000L);
                try {
                    flushPending();
                } catch (Throwable broken) {
                    // a logging framework that throws must not end the flusher
                }
            }
        }
    }

    private void write(Level level, String message, Throwable cause, ClassLoader context, Instant time) {
        Binding binding = useSlf4j ? binding(context) : NONE;
        if (binding != NONE) {
            try {
                binding.log(name, level, message, cause);
                return;
            } catch (Throwable broken) {
                // The application's logging failed; fall through so the event is not lost.
            }
        }
        if (level.compareTo(threshold) > 0) {
            return;
        }
        PrintStream out = fallback;
        synchronized (out) {
            out.println("[agent-hypervisor] " + org.agenthypervisor.core.encoding.IsoInstant.format(time == null ? Instant.now() : time) + " " + level + " " + name + " - " + message);
            if (cause != null) {
                cause.printStackTrace(out);
            }
        }
    }

    private static Binding binding(ClassLoader context) {
        ClassLoader system = ClassLoader.getSystemClassLoader();
        if (context != null && context != system) {
            Binding found;
            synchronized (BINDINGS) {
                found = BINDINGS.get(context);
            }
            if (found == null) {
                found = Binding.lookUp(context);
                synchronized (BINDINGS) {
                    BINDINGS.put(context, found);
                }
            }
            if (found != NONE) {
                return found;
            }
        }
        Binding sys = systemBinding;
        if (sys == null) {
            sys = Binding.lookUp(system);
            systemBinding = sys;
        }
        return sys;
    }

    /** SLF4J as seen from one class loader, through method handles. */
    private static final class Binding {
        private final MethodHandle getLogger;
        private final MethodHandle error;
        private final MethodHandle warn;
        private final MethodHandle info;
        private final MethodHandle debug;
        private final MethodHandle errorWithCause;
        private final MethodHandle warnWithCause;
        private final Map<String, Object> loggers = new ConcurrentHashMap<>();

        private Binding(MethodHandle getLogger, MethodHandle error, MethodHandle warn, MethodHandle info,
                        MethodHandle debug, MethodHandle errorWithCause, MethodHandle warnWithCause) {
            this.getLogger = getLogger;
            this.error = error;
            this.warn = warn;
            this.info = info;
            this.debug = debug;
            this.errorWithCause = errorWithCause;
            this.warnWithCause = warnWithCause;
        }

        static Binding lookUp(ClassLoader loader) {
            try {
                Class<?> factory = Class.forName("org.slf4j.LoggerFactory", false, loader);
                Class<?> logger = Class.forName("org.slf4j.Logger", false, loader);
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                MethodHandle getLoggerFactory = lookup.findStatic(factory, "getILoggerFactory",
                        MethodType.methodType(Class.forName("org.slf4j.ILoggerFactory", false, loader)));
                Object loggerFactory = getLoggerFactory.invoke();
                // SLF4J without a provider falls back to a no-op factory: our events would vanish.
                if (loggerFactory == null || loggerFactory.getClass().getName().startsWith("org.slf4j.helpers.NOP")) {
                    return NONE;
                }
                MethodType oneString = MethodType.methodType(void.class, String.class);
                return new Binding(
                        lookup.findStatic(factory, "getLogger", MethodType.methodType(logger, String.class)),
                        lookup.findVirtual(logger, "error", oneString),
                        lookup.findVirtual(logger, "warn", oneString),
                        lookup.findVirtual(logger, "info", oneString),
                        lookup.findVirtual(logger, "debug", oneString),
                        lookup.findVirtual(logger, "error", MethodType.methodType(void.class, String.class, Throwable.class)),
                        lookup.findVirtual(logger, "warn", MethodType.methodType(void.class, String.class, Throwable.class)));
            } catch (Throwable absent) {
                return NONE;
            }
        }

        void log(String name, Level level, String message, Throwable cause) throws Throwable {
            Object logger = loggers.get(name);
            if (logger == null) {
                logger = getLogger.invoke(name);
                loggers.put(name, logger);
            }
            if (cause != null) {
                (level == Level.ERROR ? errorWithCause : warnWithCause).invoke(logger, message, cause);
                return;
            }
            switch (level) {
                case ERROR: error.invoke(logger, message); break;
                case WARN: warn.invoke(logger, message); break;
                case INFO: info.invoke(logger, message); break;
                default: debug.invoke(logger, message); break;
            }
        }
    }
}
