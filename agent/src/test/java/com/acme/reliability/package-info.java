/**
 * The application the fault-injection suite kills: sagas on several threads whose every side
 * effect, and every compensation, is appended to {@code effects.log}, the ground truth the suite
 * checks the journal against after the crashes.
 */
package com.acme.reliability;
