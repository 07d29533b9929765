/**
 * Who the current code runs as: principals (agents and the host), the immutable context of a
 * logical task, the per-thread cell that holds it, and how it follows the task into executors,
 * fork/join pools and new threads.
 */
package org.agenthypervisor.core.context;
