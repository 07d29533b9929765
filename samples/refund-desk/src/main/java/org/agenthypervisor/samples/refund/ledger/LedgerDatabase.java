package org.agenthypervisor.samples.refund.ledger;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Raw SQL on the ledger's embedded H2 database. The demo policy guards {@code execute*} with
 * ring 0 ({@code rules: LedgerDatabase#execute*}), whoever calls it.
 */
public final class LedgerDatabase {
    private final String url;

    public LedgerDatabase(String url) {
        this.url = url;
        execute("CREATE TABLE IF NOT EXISTS refunds (case_id VARCHAR(32) PRIMARY KEY, customer VARCHAR(64),"
                + " amount_cents BIGINT, status VARCHAR(16))");
        execute("CREATE TABLE IF NOT EXISTS orders (order_id VARCHAR(32) PRIMARY KEY, amount_cents BIGINT)");
    }

    /** What the order was worth, or -1 when there is no such order. */
    public long orderAmountCents(String orderId) {
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement s = c.prepareStatement("SELECT amount_cents FROM orders WHERE order_id = ?")) {
            s.setString(1, orderId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read order " + orderId, e);
        }
    }

    /** Runs any SQL statement: the kind of tool a model must never be handed directly. */
    public int execute(String sql) {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            return s.executeUpdate(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + sql, e);
        }
    }

    /** Runs a parameterised statement. */
    public int executeUpdate(String sql, Object... parameters) {
        try (Connection c = DriverManager.getConnection(url); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setObject(i + 1, parameters[i]);
            }
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + sql, e);
        }
    }

    /** The booked refunds, one line each. */
    public List<String> refunds() {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT case_id, customer, amount_cents, status FROM refunds ORDER BY case_id")) {
            while (rs.next()) {
                out.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getLong(3) / 100 + "." + String.format("%02d", rs.getLong(3) % 100)
                        + " EUR " + rs.getString(4));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read refunds", e);
        }
        return out;
    }
}
