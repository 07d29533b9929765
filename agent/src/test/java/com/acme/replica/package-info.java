/** One replica of an application that runs several JVMs on one shared store (SharedStoreIT). */
package com.acme.replica;
