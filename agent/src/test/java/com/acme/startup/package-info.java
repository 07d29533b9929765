/** An application whose governed calls happen during start-up, in static initialisers, before {@code main}. */
package com.acme.startup;
