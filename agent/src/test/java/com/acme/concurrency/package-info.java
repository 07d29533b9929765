/**
 * The application of the concurrency suite: three agents of different rings and the host take
 * turns over shared executors and {@code CompletableFuture} chains, on platform and virtual
 * threads; every governed call checks that it runs as the agent that started its chain.
 */
package com.acme.concurrency;
