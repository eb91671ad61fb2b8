package io.sightline.index;

import io.sightline.monitor.SightlineMetrics;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;

import java.nio.file.Path;

/** The console: the recording index ({@code <data-dir>/index.db}), built from the sidecars when missing. */
public class IndexConfiguration implements CamelConfiguration {

    @BindToRegistry(value = "recordingIndex", lazy = true, destroyMethod = "close")
    public RecordingIndex recordingIndex(@PropertyInject("sightline.data-dir") String dataDir,
                                         @PropertyInject("sightline.segments-dir") String segmentsDir, SightlineMetrics metrics) {
        return new RecordingIndex(Path.of(dataDir, "index.db"), Path.of(segmentsDir), Path.of(dataDir, "alerts.jsonl"), metrics);
    }
}
