package io.sightline.wire;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatagramCodecTest {

    private static final byte[] KEY = DeviceKeys.datagramKey(DeviceKeys.deviceKey(new byte[32], "cam-1"));

    private static DetectionDatagram datagram(List<Detection> detections) {
        return new DetectionDatagram(1, DetectionDatagram.DETECTIONS, "cam-1", "s-1", 7, 42, 1_700_000_000_000L,
                detections, 0, 3);
    }

    @Test
    void roundTrips() {
        DetectionDatagram sent = datagram(List.of(new Detection("person", 0.9, new int[] {1, 2, 30, 40})));
        DatagramCodec.Signed received = DatagramCodec.decode(DatagramCodec.encode(sent, KEY));
        assertThat(received.datagram()).isEqualTo(sent);
        assertThat(received.mac()).isEqualTo(DeviceKeys.hmac(KEY, received.json()));
    }

    @Test
    void keepsTheMostConfidentDetectionsWithinTheSizeLimit() {
        List<Detection> many = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            many.add(new Detection("motion", (i % 100) / 100.0, new int[] {i, i, i + 10, i + 10}));
        }
        byte[] bytes = DatagramCodec.encode(datagram(many), KEY);
        assertThat(bytes.length).isLessThanOrEqualTo(DatagramCodec.MAX_BYTES);

        DetectionDatagram received = DatagramCodec.decode(bytes).datagram();
        assertThat(received.detections()).isNotEmpty();
        assertThat(received.detections().size() + received.omitted()).isEqualTo(200);
        double weakestKept = received.detections().stream().mapToDouble(Detection::confidence).min().orElseThrow();
        List<Detection> sorted = new ArrayList<>(many);
        sorted.sort(Comparator.comparingDouble(Detection::confidence).reversed());
        double strongestLeftOut = sorted.get(received.detections().size()).confidence();
        assertThat(weakestKept).isGreaterThanOrEqualTo(strongestLeftOut);
    }

    @Test
    void rejectsWhatIsNotADatagram() {
        assertThatThrownBy(() -> DatagramCodec.decode("hello".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidInputException.class).extracting("error").isEqualTo("unsigned");
        assertThatThrownBy(() -> DatagramCodec.decode(new byte[2000]))
                .isInstanceOf(InvalidInputException.class).extracting("error").isEqualTo("oversized");
        assertThatThrownBy(() -> DatagramCodec.decode(new byte[0]))
                .isInstanceOf(InvalidInputException.class).extracting("error").isEqualTo("empty");
        String badId = "{\"v\":1,\"type\":\"detections\",\"device\":\"../etc\",\"stream\":\"s\",\"seq\":1,\"frame\":1,"
                + "\"t\":1,\"detections\":[],\"omitted\":0,\"spooled\":0}";
        assertThatThrownBy(() -> DatagramCodec.decode(signed(badId)))
                .isInstanceOf(InvalidInputException.class).extracting("error").isEqualTo("malformed");
        String badConfidence = "{\"v\":1,\"type\":\"detections\",\"device\":\"d\",\"stream\":\"s\",\"seq\":1,\"frame\":1,"
                + "\"t\":1,\"detections\":[{\"label\":\"x\",\"confidence\":7,\"box\":[1,2,3,4]}],\"omitted\":0,\"spooled\":0}";
        assertThatThrownBy(() -> DatagramCodec.decode(signed(badConfidence)))
                .isInstanceOf(InvalidInputException.class).extracting("error").isEqualTo("malformed");
        String wrongVersion = "{\"v\":9,\"type\":\"heartbeat\",\"device\":\"d\",\"stream\":\"s\",\"seq\":1,\"frame\":1,"
                + "\"t\":1,\"detections\":[],\"omitted\":0,\"spooled\":0}";
        assertThatThrownBy(() -> DatagramCodec.decode(signed(wrongVersion)))
                .isInstanceOf(InvalidInputException.class).extracting("error").isEqualTo("version");
    }

    private static byte[] signed(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return (json + "\n" + java.util.Base64.getEncoder().encodeToString(DeviceKeys.hmac(KEY, bytes))).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void sendsDetectionsEveryFrameAndHeartbeatsAtMostOncePerInterval() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        DetectionDatagrams planner = planner(meters, 1, () -> 1e6, () -> 0);
        List<DetectionDatagram> sent = new ArrayList<>();
        for (int frame = 0; frame < 40; frame++) {
            List<Detection> found = frame >= 30 ? List.of(new Detection("motion", 0.5, new int[] {0, 0, 5, 5})) : List.of();
            byte[] bytes = planner.forFrame(new FrameMeta("cam", "s", frame, 1000L + frame * 50L, "seg", 0, false, found));
            if (bytes != null) {
                sent.add(DatagramCodec.decode(bytes).datagram());
            }
        }
        // frames 0-29 carry nothing: heartbeats at t=1000 and t=2000 (frames 0 and 20); frames 30-39 all send
        assertThat(sent).extracting(DetectionDatagram::frame)
                .containsExactly(0L, 20L, 30L, 31L, 32L, 33L, 34L, 35L, 36L, 37L, 38L, 39L);
        assertThat(sent).extracting(DetectionDatagram::seq).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
        assertThat(sent.get(0).type()).isEqualTo(DetectionDatagram.HEARTBEAT);
        assertThat(sent).allSatisfy(d -> assertThat(d.spooled()).isEqualTo(7));
        assertThat(sent).allSatisfy(d -> assertThat(d.commandPort()).isEqualTo(9601));
        assertThat(sent).allSatisfy(d -> assertThat(d.state()).isEqualTo(DetectionDatagram.STREAMING));
        assertThat(sent.get(2).type()).isEqualTo(DetectionDatagram.DETECTIONS);
    }

    private static DetectionDatagrams planner(SimpleMeterRegistry meters, double share, java.util.function.DoubleSupplier linkBps,
                                              java.util.function.LongSupplier nanos) {
        return new DetectionDatagrams(1000,
                new DetectionDatagrams.Sender("cam", "s", KEY, () -> 7, () -> DetectionDatagram.STREAMING, 9601, () -> null),
                new DatagramBudget(share, linkBps, 1000, nanos), meters.counter("sent"), meters.counter("bytes"),
                meters.counter("held"));
    }

    @Test
    void onAThinLinkDetectionDatagramsKeepToTheirShareButNewLabelsAndHeartbeatsGo() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        double[] link = {0.5e6};
        long[] millis = {0};
        DetectionDatagrams planner = planner(meters, 0.05, () -> link[0], () -> millis[0] * 1_000_000L);
        Detection motion = new Detection("motion", 0.5, new int[] {0, 0, 5, 5});
        Detection person = new Detection("person", 0.9, new int[] {10, 10, 20, 40});
        Detection car = new Detection("car", 0.9, new int[] {40, 10, 60, 30});
        List<DetectionDatagram> sent = new ArrayList<>();
        long bytes = 0;
        for (int frame = 0; frame < 400; frame++) { // 20 s at 20 fps, 0.5 Mbit/s; 8 Mbit/s from frame 300
            millis[0] = frame * 50L;
            if (frame == 300) {
                link[0] = 8e6;
            }
            // a person at frame 150; from 200 to 260 a person and a car in turn (each sent in the last second: no news)
            List<Detection> found = frame == 150 ? List.of(motion, person)
                    : frame >= 200 && frame < 260 ? List.of(motion, frame % 2 == 0 ? person : car) : List.of(motion);
            byte[] datagram = planner.forFrame(new FrameMeta("cam", "s", frame, 1000L + frame * 50L, "seg", 0, false, found));
            if (datagram != null) {
                sent.add(DatagramCodec.decode(datagram).datagram());
                bytes += frame < 300 ? datagram.length + DatagramBudget.HEADER_BYTES : 0;
            }
        }
        // 15 s at 0.5 Mbit/s: at most 5 % of it, plus the first second's bucket and the three datagrams with news;
        // these datagrams (~0.25 kB) would take 9 % at 20 a second
        assertThat(bytes).isLessThanOrEqualTo((long) (0.05 * 0.5e6 / 8 * 16) + 3 * 300);
        assertThat(sent.stream().filter(d -> d.frame() < 300).count()).isLessThan(200).isGreaterThanOrEqualTo(15);
        assertThat(sent).extracting(DetectionDatagram::frame).contains(150L, 200L, 201L); // a new label goes at once
        assertThat(sent.stream().filter(d -> d.frame() >= 202 && d.frame() < 260).count()).as("labels in turn").isLessThan(45);
        for (long second = 0; second < 20; second++) { // never a second without a datagram
            long from = second * 20;
            assertThat(sent).anySatisfy(d -> assertThat(d.frame()).isBetween(from, from + 20));
        }
        // at 8 Mbit/s the share (50 kB/s) holds all 20 a second
        assertThat(sent.stream().filter(d -> d.frame() >= 320).count()).isEqualTo(80);
        assertThat(meters.counter("held").count()).isEqualTo(400 - sent.size());
        assertThat(sent).extracting(DetectionDatagram::seq).isSorted().doesNotHaveDuplicates();
    }
}
