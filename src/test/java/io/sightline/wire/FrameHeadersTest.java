package io.sightline.wire;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrameHeadersTest {

    private final FrameHeaders headers = new FrameHeaders();

    private static Exchange exchange() {
        return new DefaultExchange(new DefaultCamelContext());
    }

    @Test
    void metadataSurvivesTheHeaders() {
        FrameMeta meta = new FrameMeta("cam-1", "20261125T101010Z-ab12", 123, 1_700_000_000_123L,
                "20261125T101010Z-ab12-00003", 100, true, List.of(new Detection("motion", 0.75, new int[] {10, 20, 30, 40})));
        Exchange sent = exchange();
        headers.write(meta, "full", sent.getMessage());

        Exchange received = exchange();
        sent.getMessage().getHeaders().forEach((k, v) -> received.getMessage().setHeader(k, String.valueOf(v)));
        assertThat(headers.read(received.getMessage())).isEqualTo(meta);
        assertThat(sent.getMessage().getHeader(Exchange.CONTENT_TYPE)).isEqualTo("image/jpeg");
    }

    @Test
    void detectionsHeaderIsBounded() {
        List<Detection> many = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            many.add(new Detection("motion", i / 500.0, new int[] {i, i, i + 1, i + 1}));
        }
        String header = FrameHeaders.detectionsHeader(many);
        assertThat(header.length()).isLessThanOrEqualTo(FrameHeaders.MAX_DETECTIONS_HEADER);
        assertThat(Json.detections(header, "x").get(0).confidence()).isEqualTo(499 / 500.0);
    }

    @Test
    void rejectsMissingAndMalformedHeaders() {
        Exchange missing = exchange();
        missing.getMessage().setHeader(FrameHeaders.DEVICE, "cam");
        assertThatThrownBy(() -> headers.read(missing.getMessage())).isInstanceOf(InvalidInputException.class)
                .extracting("status", "error").containsExactly(400, "missing-header");

        Exchange traversal = valid();
        traversal.getMessage().setHeader(FrameHeaders.DEVICE, "../../etc");
        assertThatThrownBy(() -> headers.read(traversal.getMessage())).isInstanceOf(InvalidInputException.class)
                .extracting("error").isEqualTo("invalid-device");

        Exchange negative = valid();
        negative.getMessage().setHeader(FrameHeaders.FRAME, "-1");
        assertThatThrownBy(() -> headers.read(negative.getMessage())).isInstanceOf(InvalidInputException.class)
                .extracting("error").isEqualTo("invalid-header");

        Exchange firstAfterFrame = valid();
        firstAfterFrame.getMessage().setHeader(FrameHeaders.SEGMENT_FIRST, "2");
        assertThatThrownBy(() -> headers.read(firstAfterFrame.getMessage())).isInstanceOf(InvalidInputException.class)
                .extracting("error").isEqualTo("invalid-header");

        Exchange tooMany = valid();
        tooMany.getMessage().setHeader(FrameHeaders.DETECTIONS, "[" + String.join(",", java.util.Collections.nCopies(65,
                "{\"label\":\"m\",\"confidence\":0.5,\"box\":[0,0,1,1]}")) + "]");
        assertThatThrownBy(() -> headers.read(tooMany.getMessage())).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("more than 64");

        Exchange invertedBox = valid();
        invertedBox.getMessage().setHeader(FrameHeaders.DETECTIONS, "[{\"label\":\"m\",\"confidence\":0.5,\"box\":[9,0,1,1]}]");
        assertThatThrownBy(() -> headers.read(invertedBox.getMessage())).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("x1 <= x2");

        Exchange fromLater = valid();
        fromLater.getMessage().setHeader(FrameHeaders.DETECTIONS,
                "[{\"label\":\"m\",\"confidence\":0.5,\"box\":[0,0,1,1],\"from\":1}]");
        assertThatThrownBy(() -> headers.read(fromLater.getMessage())).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("earlier frame");

        Exchange claimsReceiver = valid();
        String byReceiver = "[{\"label\":\"m\",\"confidence\":0.5,\"box\":[0,0,1,1],\"origin\":\"receiver\"}]";
        claimsReceiver.getMessage().setHeader(FrameHeaders.DETECTIONS, byReceiver);
        assertThatThrownBy(() -> headers.read(claimsReceiver.getMessage())).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("origin");
        // relayed by the receiver itself (the Kafka bus): kept
        assertThat(headers.relayed(claimsReceiver.getMessage()).detections())
                .containsExactly(new Detection("m", 0.5, new int[] {0, 0, 1, 1}, null, Detection.RECEIVER));

        Exchange badJson = valid();
        badJson.getMessage().setHeader(FrameHeaders.DETECTIONS, "[{\"label\":1}");
        assertThatThrownBy(() -> headers.read(badJson.getMessage())).isInstanceOf(InvalidInputException.class)
                .extracting("status").isEqualTo(400);
    }

    private static Exchange valid() {
        Exchange e = exchange();
        e.getMessage().setHeader(FrameHeaders.DEVICE, "cam");
        e.getMessage().setHeader(FrameHeaders.STREAM, "s");
        e.getMessage().setHeader(FrameHeaders.FRAME, "1");
        e.getMessage().setHeader(FrameHeaders.CAPTURE_TIME, "1700000000000");
        e.getMessage().setHeader(FrameHeaders.SEGMENT, "seg");
        return e;
    }
}
