package com.acme.desk;

import org.agenthypervisor.api.Ring;

/** Class-level requirement: every method and constructor it declares needs ring 2. */
@Ring(2)
public class Archive {
    public Archive() {
    }

    public String read(String key) {
        return "archived " + key;
    }

    public static String stat() {
        return "archive ok";
    }

    /** Its own annotation wins over the class's. */
    @Ring(3)
    public String index() {
        return "index";
    }
}
