/**
 * The policy: its YAML format, strict parsing with file/line/column/key-path errors, globs, and the
 * immutable model every other package reads. Compiling the model into the hot-path snapshot lives in
 * {@code core.gate}.
 */
package org.agenthypervisor.core.policy;
