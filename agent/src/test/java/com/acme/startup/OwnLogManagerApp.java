package com.acme.startup;

import java.util.logging.LogManager;

/**
 * Installs its own {@code java.util.logging} manager from {@code main}, the way servers and logging
 * bridges do: that works only if nothing initialised {@code LogManager} before {@code main} (it reads
 * {@code java.util.logging.manager} once). Prints {@code RESULT log-manager <class>}.
 */
public final class OwnLogManagerApp {
    private OwnLogManagerApp() {
    }

    public static void main(String[] args) {
        System.setProperty("java.util.logging.manager", AppLogManager.class.getName());
        System.out.println("RESULT log-manager " + LogManager.getLogManager().getClass().getName());
    }
}
