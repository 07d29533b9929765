package org.agenthypervisor.core.encoding;

/**
 * Encoded data that cannot be turned back into values of the requested types: malformed JSON, a
 * different number of arguments, a type Jackson cannot build without type information (an interface,
 * an abstract class, a class with neither a record constructor nor a no-argument constructor and
 * setters), a value the encoder had replaced by an unencodable marker, or a value that does not fit
 * the type. The message names the argument, its type and the reason.
 */
public final class PayloadDecodingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PayloadDecodingException(String message, Throwable cause) {
        super(message, cause);
    }
}
