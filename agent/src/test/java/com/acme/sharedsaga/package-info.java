/**
 * An application run as several replicas on one shared saga journal (SharedSagaIT): transfers whose
 * legs, and the legs' compensations, append one line each to an effects file all replicas share.
 */
package com.acme.sharedsaga;
