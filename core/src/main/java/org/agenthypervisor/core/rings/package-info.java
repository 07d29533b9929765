/**
 * Execution rings: the arithmetic that turns a granted ring and a trust score into an effective
 * ring, and the wording of a denial.
 */
package org.agenthypervisor.core.rings;
