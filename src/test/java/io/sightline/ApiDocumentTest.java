package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The operator API describes itself: an OpenAPI document of every call, as the REST DSL declares them. */
class ApiDocumentTest {

    @TempDir
    Path dir;

    @Test
    void theOpenApiDocumentListsEveryOperatorCall() throws Exception {
        Map<String, String> settings = Harness.receiver(dir.resolve("data"));
        try (Sightline receiver = Sightline.start(settings)) {
            HttpResponse<String> answer = Harness.get(Harness.base(settings) + "/api/v1/openapi.json");
            assertThat(answer.statusCode()).isEqualTo(200);
            JsonNode document = Segments.JSON.readTree(answer.body());
            assertThat(document.path("openapi").asText()).startsWith("3.");
            assertThat(document.path("info").path("title").asText()).isEqualTo("Sightline operator API");
            List<String> paths = new ArrayList<>();
            document.path("paths").fieldNames().forEachRemaining(paths::add);
            assertThat(paths).contains("/api/v1/devices", "/api/v1/devices/{id}/latest.jpg", "/api/v1/devices/{id}/live.mjpeg",
                    "/api/v1/devices/{id}/commands", "/api/v1/devices/{id}/days", "/api/v1/devices/{id}/segments",
                    "/api/v1/segments/{device}/{day}/{file}", "/api/v1/alerts", "/api/v1/alerts/{id}/ack", "/api/v1/events");
            assertThat(document.path("paths").path("/api/v1/devices/{id}/commands").path("post").path("summary").asText())
                    .contains("WAIT");
            assertThat(document.path("components").path("schemas").path("CommandRequest").path("properties").has("command"))
                    .as("the body of a command").isTrue();
            // an answer of the API carries its own headers, never the request's
            HttpResponse<String> devices = Harness.get(Harness.base(settings) + "/api/v1/devices");
            assertThat(devices.headers().map().keySet()).doesNotContain("authorization", "Authorization");
            assertThat(devices.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        }
    }
}
