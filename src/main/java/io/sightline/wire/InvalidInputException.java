package io.sightline.wire;

/**
 * Input a client got wrong. Carries the HTTP status to answer with and a short machine-readable error code;
 * for datagrams the code is the reason the drop is counted under. A refusal that passes (a rate limit, a server
 * not ready yet) says when to try again, for {@code Retry-After}.
 */
public class InvalidInputException extends RuntimeException {

    private final int status;
    private final String error;
    private final long retryAfterSeconds;

    public InvalidInputException(int status, String error, String detail) {
        this(status, error, detail, 0);
    }

    /** @param retryAfterSeconds when to try again; 0: not a passing refusal */
    public InvalidInputException(int status, String error, String detail, long retryAfterSeconds) {
        super(detail);
        this.status = status;
        this.error = error;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long getRetryAfterSeconds() {
        return retryAfterSeconds;
    }

    public int getStatus() {
        return status;
    }

    public String getError() {
        return error;
    }

    public String getDetail() {
        return getMessage();
    }
}
