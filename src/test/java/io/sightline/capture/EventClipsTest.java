package io.sightline.capture;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.Detection;
import io.sightline.wire.FrameMeta;
import io.sightline.wire.JpegFrame;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class EventClipsTest {

    private static final Detection PERSON = new Detection("person", 0.9, new int[] {10, 10, 100, 200});
    private static final Detection CAT = new Detection("cat", 0.9, new int[] {10, 10, 100, 200});

    private List<JpegFrame> feed(EventClips clips, long frame, List<Detection> detections, int jpegBytes) {
        return clips.select(new byte[jpegBytes],
                new FrameMeta("cam", "s1", frame, 1_000 + frame * 50, "s1-00000", 0, false, detections));
    }

    @Test
    void anEventIsThePreRollTheMatchingFramesAndThePostRollInOneSegment() {
        EventClips clips = new EventClips(Set.of("person"), 3000, 5000, 64L << 20, metrics(), "cam");
        List<JpegFrame> sent = new ArrayList<>();
        for (long f = 0; f < 100; f++) {
            assertThat(feed(clips, f, f % 7 == 0 ? List.of(CAT) : List.of(), 1000)).isEmpty(); // other labels do not count
        }
        for (long f = 100; f < 400; f++) {
            sent.addAll(feed(clips, f, f >= 100 && f < 105 ? List.of(PERSON) : List.of(), 1000));
        }
        // 20 fps: 3 s of pre-roll = frames 40-99, the event 100-104, 5 s of post-roll = 105-204 (204 is 5 s after 104)
        assertThat(sent).extracting(f -> f.meta().frame()).containsExactlyElementsOf(range(40, 204));
        assertThat(sent).extracting(f -> f.meta().segment()).containsOnly("s1-e00000");
        assertThat(sent).extracting(f -> f.meta().segmentFirst()).containsOnly(40L);
        assertThat(sent).filteredOn(f -> f.meta().lastInSegment()).extracting(f -> f.meta().frame()).containsExactly(204L);

        // the next event is a new segment, with a full pre-roll again
        List<JpegFrame> second = new ArrayList<>();
        for (long f = 400; f < 700; f++) {
            second.addAll(feed(clips, f, f == 500 ? List.of(PERSON) : List.of(), 1000));
        }
        assertThat(second).extracting(f -> f.meta().frame()).containsExactlyElementsOf(range(440, 600));
        assertThat(second).extracting(f -> f.meta().segment()).containsOnly("s1-e00001");
    }

    @Test
    void aMatchDuringThePostRollExtendsTheEventAndThePreRollIsBoundedInBytes() {
        EventClips clips = new EventClips(Set.of(), 3000, 5000, 10_000, metrics(), "cam");
        List<JpegFrame> sent = new ArrayList<>();
        for (long f = 0; f < 400; f++) {
            sent.addAll(feed(clips, f, f == 100 || f == 180 ? List.of(CAT) : List.of(), 1000));
        }
        // 10 kB hold 10 JPEGs of 1 kB: the pre-roll is frames 90-99; frame 180 extends the post-roll to 280
        assertThat(sent).extracting(f -> f.meta().frame()).containsExactlyElementsOf(range(90, 280));
        assertThat(sent.get(sent.size() - 1).meta().lastInSegment()).isTrue();
    }

    private static List<Long> range(long from, long toInclusive) {
        List<Long> list = new ArrayList<>();
        for (long f = from; f <= toInclusive; f++) {
            list.add(f);
        }
        return list;
    }

    private static SightlineMetrics metrics() {
        return new SightlineMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }
}
