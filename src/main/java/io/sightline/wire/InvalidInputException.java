package io.sightline.wire;

/**
 * Input a client got wrong. Carries the HTTP status to answer with and a short machine-readable error code;
 * for datagrams the code is the reason the drop is counted under.
 */
public class InvalidInputException extends RuntimeException {

    private final int status;
    private final String error;

    public InvalidInputException(int status, String error, String detail) {
        super(detail);
        this.status = status;
        this.error = error;
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
