package com.acme.operator;

/** A plain class whose open() the policy reserves to ring 1. */
public class Vault {
    public String open() {
        return "opened";
    }

    /** Another ring-1 method (ElevationIT: outside an elevation's --only). */
    public String seal() {
        return "sealed";
    }
}
