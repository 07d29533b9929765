package com.acme.startup;

import java.util.logging.LogManager;

/** A logging manager of the application's own, as JBoss LogManager or log4j's JUL bridge are installed. */
public final class AppLogManager extends LogManager {
    public AppLogManager() {
        super();
    }
}
