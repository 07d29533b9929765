/**
 * Approvals: a call a rule marks {@code approval: required} waits, bounded, until an operator (over
 * JMX) or the application's {@code Approver} answers; denied, failed or unanswered means the body
 * never runs.
 */
package org.agenthypervisor.core.approval;
