package org.agenthypervisor.agent;

import java.io.File;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Loads the agent's internals (core, install, integrations, command line, the shaded libraries),
 * kept under {@code org/agenthypervisor/internals/} in the agent jar as {@code .classdata} so that no other class loader can
 * find them, into a class loader of their own and a named module of their own layer that exports
 * and opens none of its packages. From application code, {@code Class.forName} of an internal
 * class fails, and even with a {@code Class} in hand (a task wrapper seen in a pool's queue),
 * {@code Method.invoke}, {@code setAccessible(true)} and {@code MethodHandles.privateLookupIn} fail
 * by the JDK's strong encapsulation. Only {@code sun.misc.Unsafe} gets past that.
 *
 * <p>The module reads the unnamed module of the loader of this class (the api and the bridge: the
 * bootstrap loader under {@code -javaagent}, the application loader under {@code java -jar}) and
 * every module of the boot layer. (The MXBean's interface is on the bridge: the platform MBean
 * server calls it from a class loader of its own, which a qualified export would not reach.)
 *
 * <p>Each call builds a fresh loader and layer: code that calls this class again gets a copy
 * whose statics are its own and which cannot bind the bridge a second time.
 */
public final class Launcher {
    static final String MODULE = "org.agenthypervisor.internals";
    /** The module's entry, an {@link Internals} that gives itself to its loader as it initialises. */
    private static final String ENTRY = "org.agenthypervisor.agent.install.Entry";
    private static final String INST = "org/agenthypervisor/internals/";
    private static final String CLASSDATA = ".classdata";
    private static final String SERVICES = "META-INF/services/";
    /** Where the build writes the index of the module's packages and services (under {@code org/agenthypervisor/internals/}). */
    private static final String INDEX = "META-INF/agent-hypervisor/";

    private Launcher() {
    }

    /** {@code premain}/{@code agentmain}, from {@link AgentMain} once the jar is on the bootstrap class path. */
    public static void start(String options, Instrumentation instrumentation, boolean attached, File jar) throws IOException {
        if (Launcher.class.getClassLoader() != null) {
            // The bridge must be the bootstrap loader's, which the JDK's woven code calls: fail closed otherwise.
            throw new IllegalStateException("the agent's launcher was defined by " + Launcher.class.getClassLoader()
                    + ", not the bootstrap class loader");
        }
        open(jar).install(options, instrumentation, attached, jar.getPath());
    }

    /*
     * Classes, not lambdas, on the start path: linking a lambda's call site costs ~0.5 ms the first
     * time (a hidden class spun, method handles resolved, lambda forms generated) and the start ran
     * about seventy of them (issue 11).
     */

    /** Every module of the layer maps to the internals' loader. */
    private static final class InternalsLoaderFor implements java.util.function.Function<String, ClassLoader> {
        private final ClassLoader loader;

        InternalsLoaderFor(ClassLoader loader) {
            this.loader = loader;
        }

        @Override
        public ClassLoader apply(String module) {
            return loader;
        }
    }

    private static boolean exportedByBootLayer(String packageName) {
        for (Module module : ModuleLayer.boot().modules()) {
            if (module.isExported(packageName)) {
                return true;
            }
        }
        return false;
    }

    private static boolean allIn(List<String> classNames, Set<String> packages) {
        for (String className : classNames) {
            if (!packages.contains(packageOf(className))) {
                return false;
            }
        }
        return true;
    }

    /** {@code java -jar agent-hypervisor.jar ...}. */
    public static void commandLine(String[] args, File jar) throws IOException {
        open(jar).commandLine(args);
    }

    static Internals open(File file) throws IOException {
        JarContents jar = JarContents.open(file.toPath());
        Set<String> packages = new HashSet<>();
        Map<String, List<String>> services = new LinkedHashMap<>();
        int packageIndex = jar.find(INST + INDEX + "packages");
        int serviceIndex = jar.find(INST + INDEX + "services");
        if (packageIndex >= 0 && serviceIndex >= 0) {
            // The build's index: reading ~11,000 entries at every start costs more than the rest of this.
            packages.addAll(lines(jar, packageIndex));
            for (String service : lines(jar, serviceIndex)) {
                int providers = jar.find(INST + SERVICES + service);
                if (providers >= 0) {
                    services.put(service, providers(jar, providers));
                }
            }
        } else {
            for (String name : (Iterable<String>) jar.names()::iterator) {
                if (!name.startsWith(INST) || name.endsWith("/")) {
                    continue;
                }
                String path = name.substring(INST.length());
                int slash = path.lastIndexOf('/');
                if (path.endsWith(CLASSDATA) && slash > 0) {
                    packages.add(path.substring(0, slash).replace('/', '.'));
                } else if (path.startsWith(SERVICES) && slash == SERVICES.length() - 1) {
                    services.put(path.substring(SERVICES.length()), providers(jar, jar.find(name)));
                }
            }
        }
        if (packages.isEmpty()) {
            throw new IOException(file + " holds no agent internals under " + INST + " (not a packaged agent jar)");
        }
        List<String> uses = new ArrayList<>();
        Map<String, List<String>> provides = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> service : services.entrySet()) {
            // A service type must be readable from a named module: ours, or an exported package of the boot layer's.
            String servicePackage = packageOf(service.getKey());
            if (!packages.contains(servicePackage) && !exportedByBootLayer(servicePackage)) {
                continue;
            }
            uses.add(service.getKey());
            if (!service.getValue().isEmpty() && allIn(service.getValue(), packages)) {
                provides.put(service.getKey(), service.getValue());
            }
        }
        // Read from a module-info class file rather than built with ModuleDescriptor.newModule: see ModuleInfoBytes.
        ModuleDescriptor descriptor;
        try {
            descriptor = ModuleDescriptor.read(java.nio.ByteBuffer.wrap(ModuleInfoBytes.of(MODULE, uses, provides)),
                    new PackagesOf(packages));
        } catch (RuntimeException invalid) { // InvalidModuleDescriptorException, IllegalArgumentException
            throw new IOException("the agent's module declaration is invalid: " + invalid.getMessage(), invalid);
        }
        URI location = file.toURI();
        InternalsLoader loader = new InternalsLoader(jar, ClassBlocks.open(jar, INST), location, packages,
                Launcher.class.getClassLoader());
        ModuleReference reference = new ModuleReference(descriptor, location) {
            @Override
            public ModuleReader open() {
                return new Reader(loader);
            }
        };
        ModuleFinder finder = new ModuleFinder() {
            @Override
            public Optional<ModuleReference> find(String name) {
                return MODULE.equals(name) ? Optional.of(reference) : Optional.empty();
            }

            @Override
            public Set<ModuleReference> findAll() {
                return Set.of(reference);
            }
        };
        ModuleLayer boot = ModuleLayer.boot();
        Configuration configuration = boot.configuration().resolve(finder, ModuleFinder.of(), Set.of(MODULE));
        ModuleLayer.Controller controller = ModuleLayer.defineModules(configuration, List.of(boot), new InternalsLoaderFor(loader));
        Module internals = controller.layer().findModule(MODULE).orElseThrow();
        controller.addReads(internals, Launcher.class.getModule());
        for (Module module : boot.modules()) {
            controller.addReads(internals, module);
        }
        // The module's entry hands itself to its loader from its static initialiser: no reflective call
        // (on JDK 18 and later each first Method.invoke or Constructor.newInstance spins method-handle
        // classes, ~10 ms at start) and no service-loader stream.
        try {
            Class.forName(ENTRY, true, loader);
        } catch (ClassNotFoundException | LinkageError missing) {
            throw new IOException("the agent's module has no entry " + ENTRY + ": " + missing, missing);
        }
        Internals entry = loader.entry;
        if (entry == null || entry.getClass().getModule() != internals) {
            throw new IOException("the agent's module provides no entry (" + Internals.class.getName() + ")");
        }
        return entry;
    }

    private static List<String> lines(JarContents jar, int entry) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : new String(jar.readAll(entry), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                out.add(line.trim());
            }
        }
        return out;
    }

    private static List<String> providers(JarContents jar, int entry) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : new String(jar.readAll(entry), StandardCharsets.UTF_8).split("\n")) {
            int hash = line.indexOf('#');
            String provider = (hash >= 0 ? line.substring(0, hash) : line).trim();
            if (!provider.isEmpty()) {
                out.add(provider);
            }
        }
        return out;
    }

    /** The module's packages for {@code ModuleDescriptor.read} (a class: a lambda here costs a generated class). */
    private static final class PackagesOf implements java.util.function.Supplier<Set<String>> {
        private final Set<String> packages;

        PackagesOf(Set<String> packages) {
            this.packages = packages;
        }

        @Override
        public Set<String> get() {
            return packages;
        }
    }

    static String packageOf(String className) {
        int dot = className.lastIndexOf('.');
        return dot < 0 ? "" : className.substring(0, dot);
    }

    /** The module's contents, as the JDK's module reader sees them (resources by their plain names). */
    private static final class Reader implements ModuleReader {
        private final InternalsLoader loader;

        Reader(InternalsLoader loader) {
            this.loader = loader;
        }

        @Override
        public Optional<URI> find(String name) {
            URL url = loader.findResource(name);
            try {
                return url == null ? Optional.empty() : Optional.of(url.toURI());
            } catch (java.net.URISyntaxException bad) {
                return Optional.empty();
            }
        }

        @Override
        public Stream<String> list() throws IOException {
            return loader.names();
        }

        @Override
        public void close() {
        }
    }

    /**
     * Defines the internals from the jar's {@code org/agenthypervisor/internals/} entries; everything else comes from the
     * loader of the api and the bridge ({@code org.agenthypervisor.*}) or the platform loader. No
     * method takes class bytes from a caller.
     */
    static final class InternalsLoader extends ClassLoader implements Supplier<List<String>>, Consumer<Object> {
        static {
            registerAsParallelCapable();
        }

        /** The module's entry, once its class has initialised (see {@link #accept}). */
        private volatile Internals entry;

        /**
         * Takes the module's entry from its static initialiser: only an {@link Internals} of a class this
         * loader defined, and only the first (the launcher initialises it before it returns the loader to
         * anyone, so an application that reaches the loader later can hand it nothing).
         */
        @Override
        public void accept(Object candidate) {
            if (candidate instanceof Internals && candidate.getClass().getClassLoader() == this
                    && candidate.getClass().getName().equals(ENTRY)) {
                synchronized (this) {
                    if (entry == null) {
                        entry = (Internals) candidate;
                    }
                }
            }
        }

        /** The classes defined since the start, in order, until {@link #get()} is called (the start-up class list). */
        private final java.util.Queue<String> defined = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private volatile boolean recording = true;

        /** The classes this loader defined so far, in order; stops recording them. */
        @Override
        public List<String> get() {
            recording = false;
            return List.copyOf(defined);
        }

        /** Classes up to this size are read into a spare buffer; larger ones get their own array. */
        private static final int SPARE_SIZE = 64 << 10;
        /** Pairs of buffers (the class, its compressed bytes) that {@link #define} reuses. */
        private final java.util.concurrent.atomic.AtomicReferenceArray<byte[][]> spares = new java.util.concurrent.atomic.AtomicReferenceArray<>(2);
        private final java.util.concurrent.atomic.AtomicInteger spareCount = new java.util.concurrent.atomic.AtomicInteger();
        private final JarContents jar;
        /** The packed classes, or null for a jar with one entry per class. */
        private final ClassBlocks blocks;
        private final String base;
        private final Set<String> packages;
        private final ClassLoader apiLoader;
        private final ProtectionDomain domain;

        InternalsLoader(JarContents jar, ClassBlocks blocks, URI location, Set<String> packages, ClassLoader apiLoader)
                throws MalformedURLException {
            super("agent-hypervisor", ClassLoader.getPlatformClassLoader());
            this.jar = jar;
            this.blocks = blocks;
            this.base = "jar:" + location + "!/";
            this.packages = Set.copyOf(packages);
            this.apiLoader = apiLoader;
            this.domain = new ProtectionDomain(new CodeSource(location.toURL(), (Certificate[]) null), null, this, null);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> type = findLoadedClass(name);
                if (type == null) {
                    if (packages.contains(packageOf(name))) {
                        type = define(name);
                    } else if (name.startsWith("org.agenthypervisor.")) {
                        type = Class.forName(name, false, apiLoader);
                    } else {
                        type = getParent().loadClass(name);
                    }
                }
                if (resolve) {
                    resolveClass(type);
                }
                return type;
            }
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (!packages.contains(packageOf(name))) {
                throw new ClassNotFoundException(name);
            }
            return loadClass(name, false);
        }

        @Override
        protected Class<?> findClass(String moduleName, String name) {
            if (!MODULE.equals(moduleName) || !packages.contains(packageOf(name))) {
                return null;
            }
            try {
                return loadClass(name, false);
            } catch (ClassNotFoundException absent) {
                return null;
            }
        }

        private Class<?> define(String name) throws ClassNotFoundException {
            if (blocks != null) {
                long where = blocks.locateBinaryName(name);
                if (where < 0) {
                    throw new ClassNotFoundException(name);
                }
                byte[] block;
                try {
                    block = blocks.pin(where);
                } catch (IOException unreadable) {
                    throw new ClassNotFoundException(name, unreadable);
                }
                try {
                    // defineClass copies the bytes: the block is read in place, nothing is allocated per class.
                    Class<?> type = defineClass(name, block, ClassBlocks.offset(where), ClassBlocks.length(where), domain);
                    if (recording) {
                        defined.add(name);
                    }
                    return type;
                } finally {
                    blocks.unpin(block);
                }
            }
            int entry = jar.find(INST + name.replace('.', '/') + CLASSDATA);
            if (entry < 0) {
                throw new ClassNotFoundException(name);
            }
            byte[][] buffers = null;
            try {
                int size = jar.size(entry);
                int compressed = jar.compressedSize(entry);
                byte[] bytes;
                int length;
                if (size <= SPARE_SIZE && compressed <= SPARE_SIZE) {
                    // defineClass copies the bytes: the spare buffers serve every small class (the few
                    // hundred classes of a start made new arrays and streams each, megabytes of young garbage).
                    buffers = takeSpare(size, compressed);
                    bytes = buffers[0];
                    length = jar.read(entry, bytes, buffers[1]);
                } else {
                    bytes = jar.readAll(entry);
                    length = bytes.length;
                }
                Class<?> type = defineClass(name, bytes, 0, length, domain);
                if (recording) {
                    defined.add(name);
                }
                return type;
            } catch (IOException unreadable) {
                throw new ClassNotFoundException(name, unreadable);
            } finally {
                giveBack(buffers);
            }
        }

        /** A pair of spare buffers of {@link #SPARE_SIZE} bytes, or arrays of the entry's sizes when both pairs are in use. */
        private byte[][] takeSpare(int size, int compressed) {
            for (int i = 0; i < spares.length(); i++) {
                byte[][] spare = spares.getAndSet(i, null);
                if (spare != null) {
                    return spare;
                }
            }
            if (spareCount.getAndIncrement() < spares.length()) {
                return new byte[][] {new byte[SPARE_SIZE], new byte[SPARE_SIZE]};
            }
            return new byte[][] {new byte[size], new byte[compressed]};
        }

        private void giveBack(byte[][] buffers) {
            if (buffers != null && buffers[0].length == SPARE_SIZE) {
                for (int i = 0; i < spares.length(); i++) {
                    if (spares.compareAndSet(i, null, buffers)) {
                        return;
                    }
                }
            }
        }

        /** {@code x/Y.class} is stored as {@code org/agenthypervisor/internals/x/Y.classdata}; other resources under {@code org/agenthypervisor/internals/} as they are. */
        private static String entryName(String name) {
            return INST + (name.endsWith(".class") ? name.substring(0, name.length() - ".class".length()) + CLASSDATA : name);
        }

        @Override
        protected URL findResource(String moduleName, String name) {
            return moduleName == null || MODULE.equals(moduleName) ? findResource(name) : null;
        }

        @Override
        protected URL findResource(String name) {
            String entry = entryName(name);
            if (blocks != null && name.endsWith(".class")
                    && blocks.locate(name.substring(0, name.length() - ".class".length())) >= 0) {
                try {
                    // The same address as an entry of its own would have; read from its block by this handler.
                    return new URL("jar", null, -1, base.substring("jar:".length()) + entry, packedClasses);
                } catch (MalformedURLException impossible) {
                    return null;
                }
            }
            if (jar.find(entry) < 0) {
                return null;
            }
            try {
                return new URL(base + entry);
            } catch (MalformedURLException impossible) {
                return null;
            }
        }

        /** Opens the URLs {@link #findResource} gives packed class files (Byte Buddy reads advice classes so). */
        private final java.net.URLStreamHandler packedClasses = new java.net.URLStreamHandler() {
            @Override
            protected java.net.URLConnection openConnection(URL url) {
                String file = url.getFile();
                String entry = file.substring(file.indexOf("!/") + 2);
                String path = entry.substring(INST.length(), entry.length() - CLASSDATA.length());
                return new java.net.URLConnection(url) {
                    private byte[] bytes;

                    @Override
                    public void connect() throws java.io.IOException {
                        if (bytes == null) {
                            bytes = blocks.read(path);
                            if (bytes == null) {
                                throw new java.io.FileNotFoundException(url.toString());
                            }
                            connected = true;
                        }
                    }

                    @Override
                    public java.io.InputStream getInputStream() throws java.io.IOException {
                        connect();
                        return new java.io.ByteArrayInputStream(bytes);
                    }

                    @Override
                    public long getContentLengthLong() {
                        try {
                            connect();
                            return bytes.length;
                        } catch (java.io.IOException unreadable) {
                            return -1;
                        }
                    }
                };
            }
        };

        @Override
        protected Enumeration<URL> findResources(String name) {
            URL url = findResource(name);
            return url == null ? Collections.emptyEnumeration() : Collections.enumeration(List.of(url));
        }

        Stream<String> names() throws IOException {
            Stream<String> entries = jar.names().filter(n -> n.startsWith(INST) && !n.endsWith("/"))
                    .map(n -> n.substring(INST.length()))
                    .filter(n -> !n.startsWith(ClassBlocks.BLOCKS) && !n.equals(ClassBlocks.INDEX) && !n.equals(ClassBlocks.NAMES))
                    .map(n -> n.endsWith(CLASSDATA) ? n.substring(0, n.length() - CLASSDATA.length()) + ".class" : n);
            return blocks == null ? entries : Stream.concat(entries, blocks.paths().map(p -> p + ".class"));
        }
    }
}
