package io.sightline.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.sightline.monitor.SightlineMetrics;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The HTTP error envelope {@code {"error": "...", "detail": "..."}}: the status and code of an
 * {@link InvalidInputException}, or 500 for anything else (logged; its detail is not exposed).
 */
public class ErrorResponse {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorResponse.class);

    private final SightlineMetrics metrics;

    public ErrorResponse(SightlineMetrics metrics) {
        this.metrics = metrics;
    }

    /** Error step of {@code frames-in}: the frame is counted as rejected, by reason, then answered. */
    public String rejectFrame(Exchange exchange) {
        return counted(exchange, "frames.rejected");
    }

    /** Error step of the operator API, the live view and login: counted by reason, then answered. */
    public String toJson(Exchange exchange) {
        return counted(exchange, "requests.rejected");
    }

    /** The refusal a step raised, also when Camel wrapped it (a bean called with explicit parameters). */
    private static Exception refusal(Exception caught) {
        for (Throwable t = caught; t != null; t = t.getCause()) {
            if (t instanceof InvalidInputException invalid) {
                return invalid;
            }
        }
        return caught;
    }

    /** A body the REST binding could not read as the JSON a call takes (somewhere in the causes), or null. */
    private static JsonProcessingException jsonProblem(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof JsonProcessingException json) {
                return json;
            }
        }
        return null;
    }

    private String counted(Exchange exchange, String counter) {
        Exception cause = refusal(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class));
        String reason = cause instanceof InvalidInputException invalid ? invalid.getError()
                : jsonProblem(cause) != null ? "invalid-json" : "internal";
        metrics.counter(counter, "reason", reason).increment();
        if (!(cause instanceof InvalidInputException) && jsonProblem(cause) != null) {
            cause = new InvalidInputException(400, "invalid-json", "the body is not the JSON this call takes: "
                    + jsonProblem(cause).getOriginalMessage());
        }
        int status;
        Map<String, String> body = new LinkedHashMap<>();
        if (cause instanceof InvalidInputException invalid) {
            status = invalid.getStatus();
            body.put("error", invalid.getError());
            body.put("detail", invalid.getDetail());
        } else {
            status = 500;
            LOG.error("Request failed", cause);
            body.put("error", "internal");
            body.put("detail", "the receiver could not handle the request; see its log");
        }
        exchange.getMessage().removeHeaders("*");
        if (cause instanceof InvalidInputException passing && passing.getRetryAfterSeconds() > 0) {
            exchange.getMessage().setHeader("Retry-After", passing.getRetryAfterSeconds());
        }
        if (status == 401) {
            exchange.getMessage().setHeader("WWW-Authenticate", "Bearer realm=\"sightline\"");
        }
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        return Json.text(body);
    }
}
