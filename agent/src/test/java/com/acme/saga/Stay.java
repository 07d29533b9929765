package com.acme.saga;

/** A record argument: journaled as data and rebuilt after a crash. */
public record Stay(String guest, int nights) {
}
