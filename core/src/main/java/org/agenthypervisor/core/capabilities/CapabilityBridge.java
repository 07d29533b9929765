package org.agenthypervisor.core.capabilities;

import java.io.File;
import java.nio.file.OpenOption;
import java.util.Set;

/**
 * Binds the bridge's {@code CapabilityGate} to {@link CapabilityGate}: one line per check. In this
 * package so that {@link HypervisorFrames} skips its frames with the gate's own.
 */
public final class CapabilityBridge implements org.agenthypervisor.bridge.CapabilityGate.Impl {
    @Override
    public void read(String path) {
        CapabilityGate.read(path);
    }

    @Override
    public void write(String path) {
        CapabilityGate.write(path);
    }

    @Override
    public void writeFile(File file) {
        CapabilityGate.writeFile(file);
    }

    @Override
    public void readPath(Object path) {
        CapabilityGate.readPath(path);
    }

    @Override
    public void writePath(Object path) {
        CapabilityGate.writePath(path);
    }

    @Override
    public void link(Object link, Object target) {
        CapabilityGate.link(link, target);
    }

    @Override
    public void open(Object path, Set<? extends OpenOption> options) {
        CapabilityGate.open(path, options);
    }

    @Override
    public void connect(Object address) {
        CapabilityGate.connect(address);
    }

    @Override
    public void listen(Object address) {
        CapabilityGate.listen(address);
    }

    @Override
    public void startProcess(String[] command) {
        CapabilityGate.startProcess(command);
    }

    @Override
    public void exit(int status) {
        CapabilityGate.exit(status);
    }

    @Override
    public void loadNative(Class<?> from, String library) {
        CapabilityGate.loadNative(from, library);
    }

    @Override
    public void foreign(Object what) {
        CapabilityGate.foreign(what);
    }

    @Override
    public void modifyThread(Thread target) {
        CapabilityGate.modifyThread(target);
    }

    @Override
    public void readEnv(String name) {
        CapabilityGate.readEnv(name);
    }

    @Override
    public void privateAccess(Object member, Class<?> caller, Class<?> declaring) {
        CapabilityGate.privateAccess(member, caller, declaring);
    }
}
