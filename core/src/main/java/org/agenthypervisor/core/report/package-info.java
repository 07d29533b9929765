/**
 * The forensic HTML report of the audit log ({@code audit report --html}): one self-contained page
 * (no script, style or image from anywhere else; charts are SVG drawn here) with the verification
 * banner, the hand-off graph, trust over time, saga timelines, denials and sessions. The log is
 * streamed once into bounded aggregates ({@link AuditDigest}), so a log of millions of records is
 * reported in a small, fixed amount of memory.
 */
package org.agenthypervisor.core.report;
