package org.agenthypervisor.agent.cli;

import org.agenthypervisor.agent.install.ClassScanner;
import org.agenthypervisor.core.governance.ClassInfo;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** Reads every class file of a class path (directories and jars) without loading any class. */
final class ClassPathScan {
    private ClassPathScan() {
    }

    /** Scans the entries of a class path string; missing entries are a usage error. */
    static List<ClassInfo> scan(String classPath) throws IOException {
        return scan(classPath, new java.util.HashMap<>());
    }

    /** The same, noting in {@code origins} the class path entry (directory or jar) each class came from. */
    static List<ClassInfo> scan(String classPath, java.util.Map<String, String> origins) throws IOException {
        List<ClassInfo> out = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            Path path = Path.of(entry);
            if (Files.isDirectory(path)) {
                try (Stream<Path> files = Files.walk(path)) {
                    for (Path file : (Iterable<Path>) files.filter(ClassPathScan::isClassFile)::iterator) {
                        ClassInfo c = withCodeSource(ClassScanner.scan(Files.readAllBytes(file)), path);
                        origins.putIfAbsent(c.name(), path.toAbsolutePath().normalize().toString());
                        out.add(c);
                    }
                }
            } else if (Files.isRegularFile(path)) {
                try (ZipFile jar = new ZipFile(path.toFile())) {
                    Enumeration<? extends ZipEntry> entries = jar.entries();
                    while (entries.hasMoreElements()) {
                        ZipEntry e = entries.nextElement();
                        if (!e.isDirectory() && e.getName().endsWith(".class") && !e.getName().endsWith("module-info.class")
                                && !e.getName().startsWith("META-INF/")) {
                            try (InputStream in = jar.getInputStream(e)) {
                                ClassInfo c = withCodeSource(ClassScanner.scan(in.readAllBytes()), path);
                                origins.putIfAbsent(c.name(), path.toAbsolutePath().normalize().toString());
                                out.add(c);
                            }
                        }
                    }
                }
            } else {
                throw new HypervisorCommand.UsageError("class path entry not found: " + entry);
            }
        }
        return out;
    }

    /** What the agent notes at run time: the jar or directory the class comes from (agents.<id>.codeSource). */
    private static ClassInfo withCodeSource(ClassInfo info, Path entry) {
        List<org.agenthypervisor.core.governance.AnnotationInfo> annotations = new ArrayList<>(info.annotations());
        annotations.add(new org.agenthypervisor.core.governance.AnnotationInfo(
                org.agenthypervisor.core.governance.GovernancePlanner.CODE_SOURCE,
                java.util.Map.of("value", entry.toAbsolutePath().normalize().toString())));
        return new ClassInfo(info.name(), info.superName(), info.access(), annotations, info.methods());
    }

    private static boolean isClassFile(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".class") && !name.equals("module-info.class") && Files.isRegularFile(file);
    }
}
