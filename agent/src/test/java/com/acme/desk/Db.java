package com.acme.desk;

/** Unannotated host code: the policy governs {@code execute*} with a rule. */
public class Db {
    public static int executed;

    public String executeUpdate(String sql) {
        executed++;
        return "updated: " + sql;
    }

    public String query(String sql) {
        return "queried: " + sql;
    }
}
