/**
 * Issue 9's capability scenarios: a ring-3 agent with no grants ({@link com.acme.capability.Bot}) and
 * one with grants ({@link com.acme.capability.Trusted}) try the JDK's network, files, processes, exit,
 * native code and environment, from their own thread and from tasks handed to a pool, a
 * {@code CompletableFuture} and a virtual thread.
 */
package com.acme.capability;
