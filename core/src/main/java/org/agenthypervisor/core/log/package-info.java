/**
 * Logging without a logging dependency of our own: events go to the application's SLF4J (found at
 * run time through the thread's and the system class loader) under logger names starting with
 * {@code org.agenthypervisor}, and to standard error when the application has no SLF4J binding.
 */
package org.agenthypervisor.core.log;
