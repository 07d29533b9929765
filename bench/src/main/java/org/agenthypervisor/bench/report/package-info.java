/** Measurements of the audit report ({@code audit report --html}) over large logs. */
package org.agenthypervisor.bench.report;
