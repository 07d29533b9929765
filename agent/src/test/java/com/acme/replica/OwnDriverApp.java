package com.acme.replica;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Collections;
import java.util.List;

/**
 * An application with its own PostgreSQL driver, under an agent whose shared store uses the agent's
 * relocated one: prints {@code RESULT DRIVERS <class names DriverManager knows>}, then connects to
 * {@code args[0]} with {@code DriverManager} and prints {@code CONNECTION <class>} and
 * {@code ROWS <ledger rows>}, read from the agent's schema {@code args[1]}.
 */
public final class OwnDriverApp {
    private OwnDriverApp() {
    }

    public static void main(String[] args) throws Exception {
        List<Driver> drivers = Collections.list(DriverManager.getDrivers());
        System.out.println("RESULT DRIVERS " + drivers.stream().map(d -> d.getClass().getName()).sorted().toList());
        try (Connection c = DriverManager.getConnection(args[0], "postgres", "");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + args[1] + ".log_record")) {
            System.out.println("RESULT CONNECTION " + c.getClass().getName());
            System.out.println("RESULT VERSION " + c.getMetaData().getDriverVersion());
            rs.next();
            System.out.println("RESULT ROWS " + rs.getLong(1));
        }
    }
}
