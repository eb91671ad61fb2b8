package io.sightline.alert;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.Detection;
import io.sightline.wire.FrameMeta;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two consoles change one alert at once - one acknowledges it, the other's viewer marks it reviewed - and each applies
 * the other's copy: both end with both changes, whichever copy comes first, and a copy they already have changes
 * nothing. Each change says what it was.
 */
class AlertBookTest {

    @TempDir
    Path dir;

    @Test
    void anAcknowledgementHereAndAReviewThereBothStayWhicheverCopyArrivesFirst() {
        AlertBook here = book("here");
        AlertBook there = book("there");
        FrameMeta frame = new FrameMeta("cam", "s1", 7, 1_000_000L, "seg-0", 0, false,
                List.of(new Detection("person", 0.9, new int[] {1, 1, 60, 90})));
        AlertBook.Change raised = here.evaluate(frame);
        assertThat(raised.type()).isEqualTo("raised");
        assertThat(there.apply(raised.alert()).type()).isEqualTo("raised");
        String id = raised.alert().id();

        AlertBook.Change acked = here.acknowledge(id, "otto");
        AlertBook.Change reviewed = there.review(id, "vera");
        assertThat(acked.type()).isEqualTo("acknowledged");
        assertThat(reviewed.type()).isEqualTo("reviewed");

        Alert mergedThere = there.apply(acked.alert()).alert();
        Alert mergedHere = here.apply(reviewed.alert()).alert();
        for (Alert a : List.of(mergedHere, mergedThere)) {
            assertThat(a.acknowledgedBy()).isEqualTo("otto");
            assertThat(a.reviewedBy()).isEqualTo("vera");
            assertThat(a.confirmed()).isTrue();
        }
        assertThat(here.apply(acked.alert())).as("a copy with nothing new").isNull();
        assertThat(here.apply(mergedThere)).isNull();
    }

    private AlertBook book(String name) {
        AlertRules rules = new AlertRules(Detection.labels("person"), 0.5, 100, 60_000);
        return new AlertBook(rules, dir.resolve(name + ".jsonl"), new SightlineMetrics(new SimpleMeterRegistry()));
    }
}
