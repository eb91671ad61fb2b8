package io.sightline.monitor;

import org.bytedeco.ffmpeg.global.avutil;

import java.util.Locale;
import java.util.Map;

/**
 * How much FFmpeg writes to the console, for the whole process (FFmpeg's level is global): by name, as
 * {@code ffmpeg -loglevel} takes it.
 */
public final class FfmpegLog {

    private static final Map<String, Integer> LEVELS = Map.of("quiet", avutil.AV_LOG_QUIET, "panic", avutil.AV_LOG_PANIC,
            "fatal", avutil.AV_LOG_FATAL, "error", avutil.AV_LOG_ERROR, "warning", avutil.AV_LOG_WARNING,
            "info", avutil.AV_LOG_INFO, "verbose", avutil.AV_LOG_VERBOSE, "debug", avutil.AV_LOG_DEBUG);

    private FfmpegLog() {
    }

    public static void setLevel(String name) {
        Integer level = LEVELS.get(name.trim().toLowerCase(Locale.ROOT));
        if (level == null) {
            throw new IllegalArgumentException("sightline.ffmpeg.log-level: expected one of " + LEVELS.keySet() + ", was '" + name + "'");
        }
        avutil.av_log_set_level(level);
    }
}
