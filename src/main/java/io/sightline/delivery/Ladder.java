package io.sightline.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The quality ladder of the live lane, best first: rung 0 is the frame as captured and encoded (full quality);
 * the rungs after it come from {@code sightline.live.ladder}, {@code WIDTHxHEIGHT@FPS/QUALITY} each, and lower
 * JPEG quality first, then resolution, then frame rate.
 */
public record Ladder(List<Rung> rungs) {

    /** One way of sending a live frame. */
    public record Rung(int width, int height, double fps, int quality) {

        public String describe() {
            return width + "x" + height + "@" + (fps == Math.rint(fps) ? String.valueOf((long) fps) : String.valueOf(fps))
                    + "/" + quality;
        }
    }

    private static final Pattern RUNG = Pattern.compile("(\\d+)x(\\d+)@(\\d+(?:\\.\\d+)?)/(\\d+)");

    public Ladder {
        rungs = List.copyOf(rungs);
    }

    /**
     * The captured frame as rung 0, then the rungs of {@code ladder} that are below it (a rung larger, faster or
     * of higher quality than the capture in any way is left out); each must be below the one before it.
     */
    public static Ladder parse(Rung full, String ladder) {
        List<Rung> rungs = new ArrayList<>(List.of(full));
        for (String part : ladder.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            Matcher m = RUNG.matcher(part.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("sightline.live.ladder: expected WIDTHxHEIGHT@FPS/QUALITY, was '" + part.trim() + "'");
            }
            Rung rung = new Rung(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Double.parseDouble(m.group(3)),
                    Integer.parseInt(m.group(4)));
            if (!below(rung, full)) {
                continue;
            }
            Rung above = rungs.get(rungs.size() - 1);
            if (!below(rung, above) || rung.quality() < 1 || rung.fps() <= 0 || rung.width() < 16 || rung.height() < 16) {
                throw new IllegalArgumentException("sightline.live.ladder: " + rung.describe()
                        + " must be below " + above.describe() + " (no larger size, rate or quality)");
            }
            rungs.add(rung);
        }
        return new Ladder(rungs);
    }

    private static boolean below(Rung rung, Rung above) {
        return rung.width() <= above.width() && rung.height() <= above.height() && rung.fps() <= above.fps()
                && rung.quality() <= above.quality() && !rung.equals(above);
    }

    public Rung get(int index) {
        return rungs.get(index);
    }

    public int size() {
        return rungs.size();
    }
}
