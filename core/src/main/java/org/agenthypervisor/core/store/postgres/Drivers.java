package org.agenthypervisor.core.store.postgres;

import java.sql.Driver;
import java.sql.SQLException;

/**
 * The PostgreSQL driver the store uses. In the agent jar it is relocated under
 * {@code org.agenthypervisor.shaded}; it registers itself with {@code DriverManager} when it loads,
 * and there it would answer the application's {@code jdbc:postgresql:} look-ups with connections of
 * the wrong classes. So the relocated copy is unregistered at once and only used directly.
 */
final class Drivers {
    private static volatile Driver driver;

    private Drivers() {
    }

    static synchronized Driver driver() throws SQLException {
        if (driver == null) {
            org.postgresql.Driver d = new org.postgresql.Driver();
            if (org.postgresql.Driver.class.getName().startsWith("org.agenthypervisor.shaded.")
                    && org.postgresql.Driver.isRegistered()) {
                org.postgresql.Driver.deregister();
            }
            driver = d;
        }
        return driver;
    }
}
