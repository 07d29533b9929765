package com.acme.operator;

/** A plain class whose open() the policy reserves to ring 1. */
public class Vault {
    public String open() {
        return "opened";
    }
}
