package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.wire.Json;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;

/**
 * {@code sightline.receiver.detector}: a sender that detects nothing ({@code detector=none}), the receiver's
 * motion detector on its frames - the detections reach the sidecar, the live view's per-frame boxes and the
 * alert rules, marked {@code origin: receiver}; a device not chosen gets none.
 */
class ReceiverDetectionTest {

    @TempDir
    Path dir;

    @Test
    void theReceiversDetectionsJoinTheSidecarTheLiveViewAndTheAlertsOfTheChosenDeviceOnly() throws Exception {
        Path video = Harness.video(dir.resolve("walk.mkv"), 240, 20, n -> {
            Mat image = new Mat(480, 640, CV_8UC3, new Scalar(90, 90, 90, 0));
            if (n >= 60 && n < 200) {
                rectangle(image, new Rect(20 + (n - 60) * 3, 140, 160, 200), new Scalar(255, 255, 255, 0), -1, 8, 0);
            }
            return image;
        });
        Map<String, String> receiver = Harness.receiver(dir.resolve("data"));
        receiver.put("sightline.receiver.detector", "motion");
        receiver.put("sightline.receiver.detector.devices", "weak-cam");
        receiver.put("sightline.detector.motion.min-area", "0.05");
        Harness.alertOnEveryMotion(receiver);
        Map<String, String> weak = Harness.sender(receiver, "weak-cam", video.toString());
        Map<String, String> other = Harness.sender(receiver, "other-cam", video.toString());
        for (Map<String, String> sender : List.of(weak, other)) {
            sender.put("sightline.detector", "none");
            sender.put("sightline.source.loop", "true");
        }
        try (Sightline r = Sightline.start(receiver); Sightline w = Sightline.start(weak); Sightline o = Sightline.start(other)) {
            List<JsonNode> live = liveDetections(receiver, "weak-cam");
            assertThat(live).isNotEmpty().allSatisfy(d -> {
                assertThat(d.path("origin").asText()).isEqualTo("receiver");
                assertThat(d.path("label").asText()).isEqualTo("motion");
            });

            await().atMost(Duration.ofSeconds(60)).until(() -> alerts(receiver).stream()
                    .anyMatch(a -> a.path("device").asText().equals("weak-cam")));
            assertThat(alerts(receiver)).allSatisfy(a -> assertThat(a.path("device").asText()).isEqualTo("weak-cam"));

            await().atMost(Duration.ofSeconds(60)).until(() -> detectionsInSidecars(dir, "weak-cam").size() > 20);
            List<JsonNode> recorded = detectionsInSidecars(dir, "weak-cam");
            assertThat(recorded).allSatisfy(d -> {
                assertThat(d.path("origin").asText()).isEqualTo("receiver");
                assertThat(d.path("label").asText()).isEqualTo("motion");
                long frame = d.path("frame").asLong() % 240;          // the video loops every 240 frames
                assertThat(frame).as("%s", d).isBetween(60L, 215L);   // while the box moves (and a run's delay)
                int[] box = Json.MAPPER.convertValue(d.path("box"), int[].class);
                assertThat(box[1]).as("%s", d).isBetween(120, 160);  // where the box is
                assertThat(box[3]).as("%s", d).isBetween(320, 360);
            });
            await().atMost(Duration.ofSeconds(60)).until(() -> Segments.sidecars(dir.resolve("data"), "other-cam").size() >= 3);
            assertThat(detectionsInSidecars(dir, "other-cam")).isEmpty();
        }
    }

    private static List<JsonNode> detectionsInSidecars(Path dir, String device) throws IOException {
        List<JsonNode> all = new ArrayList<>();
        for (Path sidecar : Segments.sidecars(dir.resolve("data"), device)) {
            Segments.read(sidecar).path("detections").forEach(all::add);
        }
        return all;
    }

    private static List<JsonNode> alerts(Map<String, String> receiver) throws Exception {
        List<JsonNode> all = new ArrayList<>();
        Json.MAPPER.readTree(Harness.get(Harness.base(receiver) + "/api/v1/alerts").body()).forEach(all::add);
        return all;
    }

    /** Reads the live view until a frame comes with detections (at most 600 frames); returns them. */
    private static List<JsonNode> liveDetections(Map<String, String> receiver, String device) throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> Harness.get(Harness.base(receiver) + "/api/v1/devices/" + device
                + "/latest.jpg").statusCode() == 200);
        HttpResponse<InputStream> stream = Harness.HTTP.send(Harness.operator(Harness.base(receiver) + "/api/v1/devices/"
                + device + "/live.mjpeg").build(), HttpResponse.BodyHandlers.ofInputStream());
        List<JsonNode> found = new ArrayList<>();
        try (InputStream in = stream.body()) {
            for (int part = 0; part < 600 && found.isEmpty(); part++) {
                int length = -1;
                for (String header = line(in); !header.isEmpty() || length < 0; header = line(in)) {
                    if (header.startsWith("Content-Length: ")) {
                        length = Integer.parseInt(header.substring(16));
                    } else if (header.startsWith("Sightline-Detections: ")) {
                        Json.MAPPER.readTree(header.substring(22)).forEach(found::add);
                    }
                }
                in.readNBytes(length);
            }
        }
        return found;
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("the live view ended");
            }
            if (b != '\r') {
                out.write(b);
            }
        }
        return out.toString();
    }
}
